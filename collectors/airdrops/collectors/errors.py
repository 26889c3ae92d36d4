"""The ETL's one error type: `EtlError` names the stage that failed (dlt's `PipelineStepFailed`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from airdrops.collectors.warehouse.bookkeeping import Check

Stage = Literal["extract", "transform", "load", "reconcile"]


class EtlError(Exception):
    """A run failed in `stage`. Nothing past the last committed chunk was lost: rerun to resume.

    `stream` is the ETL stream (`events`, `metrics`), `run_id` the row in `etl_runs` when one was written.
    """

    def __init__(self, stage: Stage, message: str, *, stream: str | None = None, run_id: str | None = None) -> None:
        self.stage: Stage = stage
        self.stream = stream
        self.run_id = run_id
        self.message = message
        where = f"{stream} " if stream else ""
        super().__init__(f"ETL {where}{stage} failed: {message}")


class ReconciliationError(EtlError):
    """Source and target disagree: the chunk was rolled back and the watermark did not move."""

    def __init__(
        self, message: str, *, stream: str | None = None, run_id: str | None = None, checks: Sequence[Check] = ()
    ) -> None:
        super().__init__("reconcile", message, stream=stream, run_id=run_id)
        self.checks = list(checks)
