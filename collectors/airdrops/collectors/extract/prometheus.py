"""Extract range vectors through the standard Prometheus HTTP API (`/api/v1/query_range` only).

Nothing server-specific, so the same code reads Prometheus, Thanos Query, Mimir or VictoriaMetrics.
A window is cut into chunks of at most `max_points` points per series (Prometheus refuses more
than 11,000), aligned to the step so reruns evaluate the same timestamps; each chunk is one request.

    client = PrometheusClient(PrometheusSource(url="http://127.0.0.1:9090"))
    query = MetricQuery.record("bot_id:airdrops_capital_idle:ratio")
    plan = plan_chunks(start, end, query.step_s)
    for bounds in plan:
        chunk = fetch_chunk(client, query, bounds)  # chunk.result: the API's matrix for [chunk.start, chunk.end]
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests

from airdrops.collectors.config import DEFAULT_MAX_POINTS, MetricQuery, PrometheusSource
from airdrops.monitoring import redact_url

_log = logging.getLogger("airdrops.collectors")
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class PrometheusError(Exception):
    """The Prometheus API failed; `url` is already redacted."""

    def __init__(self, message: str, *, url: str, attempts: int = 1) -> None:
        self.url = url
        self.attempts = attempts
        super().__init__(message)


class PrometheusUnavailable(PrometheusError):
    """Connection errors, 5xx or 429 on every try: the server is down or overloaded; retry the run later."""


class _Transient(Exception):
    """A connection error, a 5xx or a 429: worth another try; `asked_s` is the server's Retry-After."""

    def __init__(self, problem: str, asked_s: float = 0.0) -> None:
        super().__init__(problem)
        self.asked_s = asked_s


class PrometheusQueryError(PrometheusError):
    """The server answered but refused the query (bad PromQL, too many points, wrong result type)."""


@dataclass(frozen=True)
class RawChunk:
    """One query_range answer: the matrix for [start, end] (unix seconds, both evaluated)."""

    query: MetricQuery
    start: int
    end: int
    result: list[dict[str, Any]]

    @property
    def samples(self) -> int:
        """Points in the answer, counted before any transform (the source side of reconciliation)."""
        return sum(len(series.get("values") or ()) for series in self.result)


def plan_chunks(start: float, end: float, step: int, max_points: int = DEFAULT_MAX_POINTS) -> list[tuple[int, int]]:
    """[start, end] cut into step-aligned chunks of at most `max_points` evaluation timestamps each.

    The first timestamp is the first multiple of `step` at or after `start`; chunks do not overlap.
    """
    first = math.ceil(start / step) * step
    last = math.floor(end / step) * step
    span = step * (max_points - 1)
    chunks = []
    at = first
    while at <= last:
        stop = min(at + span, last)
        chunks.append((int(at), int(stop)))
        at = stop + step
    return chunks


class PrometheusClient:
    """A `requests` session with the source's auth and TLS options; `query_range` with retries."""

    def __init__(self, source: PrometheusSource, session: requests.Session | None = None) -> None:
        self.source = source
        self.base_url = source.url.rstrip("/")
        self.redacted_url = redact_url(self.base_url)
        self.session = session or requests.Session()
        self.session.headers.update(
            {
                "Accept": "application/json",
                "Accept-Encoding": "gzip" if source.compression else "identity",
                "User-Agent": "airdrops-etl",
                **source.headers,
            }
        )
        token = _read(source.bearer_token_file) if source.bearer_token_file else source.bearer_token
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        password = _read(source.password_file) if source.password_file else source.password
        if source.username is not None:
            self.session.auth = (source.username, password or "")
        # Passed on every request: requests lets REQUESTS_CA_BUNDLE override a session's `verify`.
        self.verify: bool | str = (
            False if source.insecure_skip_verify else str(source.ca_file) if source.ca_file else True
        )
        cert = str(source.cert_file) if source.cert_file else None
        self.cert = (cert, str(source.key_file)) if cert and source.key_file else cert
        self.requests = 0

    def query_range(self, expr: str, start: int, end: int, step: int) -> list[dict[str, Any]]:
        """The `result` matrix of one range query; raises `PrometheusError` once retries are spent."""
        url = f"{self.base_url}/api/v1/query_range"
        form = {"query": expr, "start": str(start), "end": str(end), "step": str(step)}
        src = self.source

        def request() -> list[dict[str, Any]]:
            self.requests += 1
            try:
                # POST form: long PromQL stays out of the URL; every compatible server accepts it.
                response = self.session.post(url, data=form, timeout=src.timeout_s, verify=self.verify, cert=self.cert)
            except requests.exceptions.SSLError as exc:  # a certificate problem does not heal by retrying
                raise PrometheusError(
                    f"Prometheus {self.redacted_url}: TLS failed (check ca_file, cert_file, key_file): "
                    + self._redact(_first_line(exc)),
                    url=self.redacted_url,
                ) from exc
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise _Transient(self._redact(f"{type(exc).__name__}: {_first_line(exc)}")) from exc
            if response.status_code in _RETRY_STATUS:
                raise _Transient(f"HTTP {response.status_code}: {_api_error(response)}", _retry_after(response))
            return self._result(response, expr)

        def warn(attempt: int, exc: BaseException, delay: float) -> None:
            _log.warning("Prometheus %s: %s; retry %d in %.1fs", self.redacted_url, exc, attempt, delay)

        try:
            return src.retry.call(
                request,
                retryable=lambda exc: isinstance(exc, _Transient),
                before_retry=warn,
                asked_wait=lambda exc: getattr(exc, "asked_s", 0.0),
            )
        except _Transient as exc:
            attempts = src.retry.attempts
            raise PrometheusUnavailable(
                f"Prometheus {self.redacted_url} unavailable after {attempts} attempts: {exc}",
                url=self.redacted_url,
                attempts=attempts,
            ) from None

    def _result(self, response: requests.Response, expr: str) -> list[dict[str, Any]]:
        if response.status_code != 200:
            raise PrometheusQueryError(
                f"Prometheus {self.redacted_url} refused {expr!r}: HTTP {response.status_code}: {_api_error(response)}",
                url=self.redacted_url,
            )
        try:
            with _gc_paused():
                body = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise PrometheusQueryError(
                f"Prometheus {self.redacted_url} sent invalid JSON for {expr!r}: {exc}", url=self.redacted_url
            ) from exc
        data = body.get("data") or {}
        if body.get("status") != "success" or data.get("resultType") != "matrix":
            why = body.get("error") or f"resultType {data.get('resultType')!r}, expected a matrix"
            raise PrometheusQueryError(f"Prometheus {self.redacted_url} query {expr!r}: {why}", url=self.redacted_url)
        return list(data.get("result") or [])

    def close(self) -> None:
        self.session.close()

    def _redact(self, text: str) -> str:
        # urllib3 messages quote the request path, which may hold a key (`/prom/<key>/api/v1/...`).
        path, safe = urlsplit(self.base_url).path, urlsplit(self.redacted_url).path
        return text.replace(path, safe) if path.strip("/") else text


def fetch_chunk(client: PrometheusClient, query: MetricQuery, bounds: tuple[int, int]) -> RawChunk:
    """One query_range request for the chunk [bounds[0], bounds[1]]."""
    return RawChunk(query, bounds[0], bounds[1], client.query_range(query.expr, *bounds, query.step_s))


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    # A million-point answer is two million small lists: with the cyclic collector running, decoding
    # it takes four times as long (it rescans the growing heap), and none of it can form a cycle.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read(path: Any) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read().strip()


def _api_error(response: requests.Response) -> str:
    try:
        body = orjson.loads(response.content)
        if isinstance(body, dict) and body.get("error"):
            return f"{body.get('errorType', 'error')}: {body['error']}"
    except orjson.JSONDecodeError:
        pass
    return _first_line(response.text[:200]) or response.reason or "no body"


def _retry_after(response: requests.Response) -> float:
    try:
        return min(float(response.headers.get("Retry-After", 0)), 60.0)
    except ValueError:
        return 0.0


def _first_line(value: object) -> str:
    text = str(value).strip().splitlines()
    return text[0] if text else ""


__all__ = [
    "PrometheusClient",
    "PrometheusError",
    "PrometheusQueryError",
    "PrometheusUnavailable",
    "RawChunk",
    "fetch_chunk",
    "plan_chunks",
]
