"""Web3 over HTTP, with every JSON-RPC call timed by the SDK's `rpc_call`."""

from __future__ import annotations

import logging
from typing import Any

import requests
from eth_typing import URI
from web3 import HTTPProvider, Web3
from web3.types import RPCEndpoint, RPCResponse

from airdrops.monitoring import redact_url, rpc_call
from airdrops.protocols.errors import ChainUnavailable


class InstrumentedHTTPProvider(HTTPProvider):
    """An HTTPProvider that wraps each call in `rpc_call(provider=..., method=...)`.

    Unreachable endpoints raise `ChainUnavailable`, whose message carries the redacted URL.
    web3's own retries are off, so each attempt is one recorded call and a dead node fails fast.
    """

    # HTTPProvider's logger writes the full URL at debug level; ours never does.
    logger = logging.getLogger("airdrops.protocols.chain.web3client")

    def __init__(self, endpoint_uri: str, *, provider_name: str = "local", timeout: float = 10.0) -> None:
        super().__init__(endpoint_uri, request_kwargs={"timeout": timeout}, exception_retry_configuration=None)
        self.provider_name = provider_name

    def __str__(self) -> str:
        return f"RPC connection {redact_url(str(self.endpoint_uri))}"

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        with rpc_call(provider=self.provider_name, method=str(method)):
            request_data = self.encode_rpc_request(method, params)
            raw = self._post(request_data)
            return self.decode_rpc_response(raw)

    def make_batch_request(self, batch_requests: list[tuple[RPCEndpoint, Any]]) -> Any:
        with rpc_call(provider=self.provider_name, method="batch"):
            raw = self._post(self.encode_batch_rpc_request(batch_requests))
            return self.decode_rpc_response(raw)

    def _post(self, request_data: bytes) -> bytes:
        try:
            return self._request_session_manager.make_post_request(
                URI(str(self.endpoint_uri)), request_data, **self.get_request_kwargs()
            )
        except requests.RequestException as exc:
            # `from None`: the requests exception's text contains the full URL.
            raise ChainUnavailable(
                f"{self.provider_name} RPC at {redact_url(str(self.endpoint_uri))} unavailable: {type(exc).__name__}"
            ) from None


def make_web3(rpc_url: str, provider_name: str = "local", *, timeout: float = 10.0) -> Web3:
    """A Web3 over HTTP whose every RPC call is recorded under `provider_name`."""
    return Web3(InstrumentedHTTPProvider(rpc_url, provider_name=provider_name, timeout=timeout))
