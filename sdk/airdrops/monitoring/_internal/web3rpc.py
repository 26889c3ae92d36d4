"""`instrument_web3(w3)`: every JSON-RPC call of a Web3 or AsyncWeb3, whatever its transport.

The `requests` instrumentation sees only synchronous HTTP. Bots also use AsyncWeb3 (aiohttp) and
WebSocket or IPC providers, whose calls web3 routes differently (a persistent connection sends and
receives apart); all of them go through the request manager (`request_blocking`, `coro_request`,
`socket_request`),
so that is where each call is timed, as `rpc_call(provider, method)`: the same RPC metrics, and a
span when tracing is on. A JSON-RPC error answer counts as a failed call (`rpc_error`). No URL is
recorded: the label is the endpoint's host name, never its key. web3 is not imported here.
"""

from __future__ import annotations

import functools
import inspect
import logging
from typing import Any

from airdrops.monitoring import vocabulary
from airdrops.monitoring._internal.helpers import rpc_call
from airdrops.monitoring._internal.redact import provider_name, redact_library_logs

_MARK = "_airdrops_instrumented"


def instrument_web3(w3: Any, provider: str | None = None) -> Any:
    """Time every JSON-RPC call `w3` makes under the label `provider` (default: the endpoint's host);
    returns `w3`. Calling it twice changes nothing."""
    manager = w3.manager
    name = provider or _label(w3.provider)
    # sync, async, persistent connection; only the last returns the raw answer (the others a formatted
    # result, which may hold an "error" key of its own: a trace's revert is no failed call).
    for attr, raw in (("request_blocking", False), ("coro_request", False), ("socket_request", True)):
        original = getattr(manager, attr, None)
        if original is not None and not getattr(original, _MARK, False):
            setattr(manager, attr, _timed(original, name, raw))
    # web3's loggers write the endpoint URL (with its key) at DEBUG level: redact it there too.
    # A filter applies to its own logger only, so each web3 logger gets one.
    web3_loggers = [n for n in list(logging.root.manager.loggerDict) if n == "web3" or n.startswith("web3.")]
    redact_library_logs(tuple(web3_loggers))
    return w3


def _label(p: Any) -> str:
    where = getattr(p, "endpoint_uri", None) or getattr(p, "ipc_path", None)
    if where is None:
        return "unknown"
    text = str(where)
    return provider_name(text) if "://" in text else "ipc"


def _timed(original: Any, name: str, raw: bool) -> Any:
    """`original` timed as one RPC call. An error answer web3 raises (Web3RPCError) is `rpc_error`, not
    the exception's class, so it is raised again after the call is recorded."""
    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            answered: Exception | None = None
            with rpc_call(name, _method(args, kwargs)) as call:
                try:
                    response = await original(*args, **kwargs)
                except Exception as exc:
                    answered = _answered(call, exc)
                else:
                    if raw:
                        _judge(call, response)
            if answered is not None:
                raise answered
            return response

        setattr(timed_async, _MARK, True)
        return timed_async

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        answered: Exception | None = None
        with rpc_call(name, _method(args, kwargs)) as call:
            try:
                response = original(*args, **kwargs)
            except Exception as exc:
                answered = _answered(call, exc)
            else:
                if raw:
                    _judge(call, response)
        if answered is not None:
            raise answered
        return response

    setattr(timed, _MARK, True)
    return timed


def _answered(call: Any, exc: Exception) -> Exception:
    """`exc` when it carries the node's error answer (recorded as `rpc_error`); any other exception
    propagates through the call, which records its class."""
    if not _judge(call, getattr(exc, "rpc_response", None)):
        raise exc
    return exc


def _method(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    method = args[0] if args else kwargs.get("method", "unknown")
    return method if isinstance(method, str) else getattr(method, "__name__", "unknown")


def _judge(call: Any, response: Any) -> bool:
    """A JSON-RPC error answer (or a batch holding one) is a failed call; True when it was one."""
    answers = response if isinstance(response, list) else [response]
    failed = any(isinstance(a, dict) and a.get("error") for a in answers)
    if failed:
        call.fail(vocabulary.RPC_ERROR)
    return failed
