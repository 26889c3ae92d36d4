"""The ETL's one retry policy, for everything it reads from or writes to that may be down for a while.

The warehouse (`connect()`, a chunk whose connection went away) and Prometheus (`query_range`) both
retry by it: `attempts` tries in all, the wait doubling from `backoff_s` up to `max_backoff_s`
(longer when the server asks for it). The retrying itself is tenacity's.

    Retry(attempts=3).call(fetch, retryable=lambda exc: isinstance(exc, ConnectionError))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import tenacity

T = TypeVar("T")


@dataclass(frozen=True)
class Retry:
    """`attempts` tries in all, the wait between them doubling from `backoff_s` up to `max_backoff_s`."""

    attempts: int = 5
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"retry attempts must be >= 1, got {self.attempts}")

    def call(
        self,
        fn: Callable[[], T],
        *,
        retryable: Callable[[BaseException], bool],
        before_retry: Callable[[int, BaseException, float], None] | None = None,
        asked_wait: Callable[[BaseException], float] | None = None,
    ) -> T:
        """`fn()` until it returns; an error `retryable` accepts is tried again, up to `attempts` tries.

        The last error is raised as it is once the tries are spent, and at once when it is not
        retryable. `before_retry(attempt, error, wait_s)` runs before each wait (to log, or to
        reconnect); `asked_wait(error)` is the wait the server asked for (Retry-After), if longer.
        """
        import tenacity  # here, not at the top: the commands' help (on a bot host) reads this module

        backoff = tenacity.wait_exponential(multiplier=self.backoff_s, exp_base=2, max=self.max_backoff_s)

        def wait(state: tenacity.RetryCallState) -> float:
            delay = backoff(state)
            error = state.outcome.exception() if state.outcome is not None else None
            if asked_wait is not None and error is not None:
                delay = max(delay, asked_wait(error))
            return delay

        def before_sleep(state: tenacity.RetryCallState) -> None:
            if before_retry is not None and state.outcome is not None and state.next_action is not None:
                error = state.outcome.exception()
                assert error is not None
                before_retry(state.attempt_number, error, state.next_action.sleep)

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=wait,
            retry=tenacity.retry_if_exception(retryable),
            before_sleep=before_sleep,
            reraise=True,
        )
        return retrying(fn)
