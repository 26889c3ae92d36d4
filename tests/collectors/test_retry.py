"""The ETL's one retry policy (tenacity underneath): how many tries, how long between them, what is retried."""

from __future__ import annotations

import pytest

from airdrops.collectors.retry import Retry


class Down(Exception):
    pass


def _failing(n: int, error: BaseException):
    calls: list[int] = []

    def fn() -> str:
        calls.append(1)
        if len(calls) <= n:
            raise error
        return "ok"

    return fn, calls


def test_waits_double_up_to_the_cap_then_the_last_error_is_raised():
    fn, calls = _failing(10, Down("still down"))
    waits: list[tuple[int, float]] = []
    policy = Retry(attempts=5, backoff_s=0.01, max_backoff_s=0.03)
    with pytest.raises(Down, match="still down"):
        policy.call(fn, retryable=lambda e: isinstance(e, Down), before_retry=lambda a, e, w: waits.append((a, w)))
    assert len(calls) == 5
    assert waits == [(1, 0.01), (2, 0.02), (3, 0.03), (4, 0.03)]


def test_a_server_asking_for_longer_gets_it_and_a_success_ends_the_tries():
    fn, calls = _failing(1, Down("busy"))
    waits: list[float] = []
    policy = Retry(attempts=3, backoff_s=0.01, max_backoff_s=0.02)
    result = policy.call(
        fn, retryable=lambda e: True, before_retry=lambda a, e, w: waits.append(w), asked_wait=lambda e: 0.05
    )
    assert (result, len(calls), waits) == ("ok", 2, [0.05])


def test_an_error_that_is_not_retryable_is_raised_at_once():
    fn, calls = _failing(10, ValueError("wrong"))
    with pytest.raises(ValueError):
        Retry(attempts=5, backoff_s=0.01).call(fn, retryable=lambda e: isinstance(e, Down))
    assert len(calls) == 1


def test_at_least_one_attempt():
    with pytest.raises(ValueError, match="attempts"):
        Retry(attempts=0)
