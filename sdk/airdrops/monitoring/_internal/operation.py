"""`Operation`: one timed piece of bot work, as `with`, `async with` or a decorator (sync or async).

An exception marks the operation failed with `error_type` = the exception class and is re-raised;
the body can also call `op.fail(reason)`. With tracing on, the operation is a span, current while
the body and the recording run.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from airdrops.monitoring._internal.registry import Registry
from airdrops.monitoring._internal.tracing import TRACING

_log = logging.getLogger("airdrops.monitoring")
F = TypeVar("F", bound=Callable[..., Any])


class Operation:
    """One timed operation. Subclasses say what to record in `_finish`."""

    def __init__(self, registry: Registry, ts: datetime | None = None, **attributes: Any) -> None:
        self._reg = registry
        self.ts = ts  # event time; None means now (history mode passes its virtual time)
        self.attributes = attributes
        self.outcome = "success"
        self.error_type: str | None = None
        self._start = 0.0
        self.duration = 0.0
        self._span: Any = None

    def fail(self, reason: str) -> None:
        """Mark the operation failed without raising."""
        self.outcome = "failure"
        self.error_type = reason

    @property
    def span_name(self) -> str:
        """The span's name when tracing is on: the kind of operation and what names it."""
        return type(self).__name__.lower()

    @property
    def span_attributes(self) -> dict[str, Any]:
        """The span's attributes: the operation's, wallets only when the user opted in (as in metrics)."""
        if "wallet" in self.attributes and not self._reg.policy.wallet_labels:
            return {k: v for k, v in self.attributes.items() if k != "wallet"}
        return self.attributes

    def __enter__(self) -> Any:
        self._span = TRACING.start(self.span_name, self.span_attributes) if TRACING.tracer is not None else None
        self._start = time.perf_counter()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.duration = time.perf_counter() - self._start
        if exc_type is not None:
            self.outcome = "failure"
            self.error_type = exc_type.__name__
        try:
            self._finish()  # inside the span: its events and exemplars point at it
        except Exception:  # telemetry must never break the bot
            _log.debug("airdrops: recording %s failed", type(self).__name__, exc_info=True)
        try:
            TRACING.end(self._span, self.error_type if self.outcome != "success" else None, {"outcome": self.outcome})
        except Exception:
            _log.debug("airdrops: ending the span of %s failed", type(self).__name__, exc_info=True)

    async def __aenter__(self) -> Any:
        return self.__enter__()

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.__exit__(exc_type, exc, tb)

    def _finish(self) -> None:
        raise NotImplementedError

    def _fresh(self) -> Operation:
        return type(self)(self._reg, self.ts, **self.attributes)

    def __call__(self, fn: F) -> F:
        """Use as a decorator: each call of `fn` is one operation."""
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def awrapper(*args: Any, **kwargs: Any) -> Any:
                async with self._fresh():
                    return await fn(*args, **kwargs)

            return awrapper  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
