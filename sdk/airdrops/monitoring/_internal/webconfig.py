"""The `/metrics` endpoint's TLS and basic auth, from a web configuration file in Prometheus' format.

The same file format as Prometheus, Alertmanager and node_exporter take with `--web.config.file`
(the exporter-toolkit's), so one Ansible task writes them all:

    tls_server_config:
      cert_file: /etc/airdrops/tls/bot.crt
      key_file: /etc/airdrops/tls/bot.key
      client_ca_file: /etc/airdrops/tls/ca.crt        # optional: with client_auth_type, mutual TLS
      client_auth_type: RequireAndVerifyClientCert     # optional
      min_version: TLS12                               # optional: TLS12 (default) or TLS13
    basic_auth_users:
      prometheus: $2b$10$...                           # bcrypt hashes, never passwords

Read once, at `configure()`; anything it cannot use is a `WebConfigError` naming the file and the
field, and the endpoint is then not served at all (never served unprotected by mistake).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ssl
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_TLS_KEYS = {"cert_file", "key_file", "client_ca_file", "client_auth_type", "min_version", "max_version"}
_CLIENT_AUTH = {"NoClientCert": ssl.CERT_NONE, "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
                "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL}  # fmt: skip
_VERSIONS = {"TLS12": ssl.TLSVersion.TLSv1_2, "TLS13": ssl.TLSVersion.TLSv1_3}
#: Verified (user, password) pairs kept, so that a scrape every 15 s costs no bcrypt round.
_CACHE_SIZE = 64


class WebConfigError(ValueError):
    """A web configuration file the endpoint cannot use; the message names the file and the field."""


@dataclass(frozen=True)
class WebConfig:
    path: str
    tls: dict[str, str] = field(default_factory=dict)
    users: dict[str, bytes] = field(default_factory=dict)


def load(path: str) -> WebConfig:
    """Read and check the web configuration at `path`."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeError, yaml.YAMLError) as exc:
        raise WebConfigError(f"web config {path}: cannot be read: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise WebConfigError(f"web config {path}: not a mapping")
    unknown = set(data) - {"tls_server_config", "basic_auth_users", "http_server_config"}
    if unknown:
        raise WebConfigError(f"web config {path}: unknown fields {sorted(unknown)}")
    tls = data.get("tls_server_config") or {}
    users = data.get("basic_auth_users") or {}
    if not isinstance(tls, dict) or set(tls) - _TLS_KEYS:
        raise WebConfigError(f"web config {path}: tls_server_config takes {sorted(_TLS_KEYS)}")
    if tls and not (tls.get("cert_file") and tls.get("key_file")):
        raise WebConfigError(f"web config {path}: tls_server_config needs cert_file and key_file")
    if not all(isinstance(v, str) for v in tls.values()):
        raise WebConfigError(f"web config {path}: tls_server_config values are strings")
    if tls.get("client_auth_type", "NoClientCert") not in _CLIENT_AUTH:
        raise WebConfigError(f"web config {path}: client_auth_type is one of {sorted(_CLIENT_AUTH)}")
    if tls.get("client_ca_file") and tls.get("client_auth_type", "NoClientCert") == "NoClientCert":
        # as the exporter-toolkit: a CA without a policy would check nothing, silently
        raise WebConfigError(f"web config {path}: client_ca_file needs a client_auth_type that checks certificates")
    for key in ("min_version", "max_version"):
        if key in tls and tls[key] not in _VERSIONS:
            raise WebConfigError(f"web config {path}: {key} is one of {sorted(_VERSIONS)}")
    if not isinstance(users, dict) or not all(isinstance(h, str) and h.startswith("$2") for h in users.values()):
        raise WebConfigError(f"web config {path}: basic_auth_users maps each user to a bcrypt hash ($2...)")
    config = WebConfig(path, dict(tls), {str(u): h.encode() for u, h in users.items()})
    if config.tls:
        ssl_context(config)  # the files exist and go together: found now, not at the first scrape
    bcrypt: Any = _bcrypt() if config.users else None
    for user, stored in config.users.items():
        try:
            bcrypt.checkpw(b"", stored)
        except ValueError:
            raise WebConfigError(f"web config {path}: the hash of {user!r} is not a bcrypt hash") from None
    return config


def ssl_context(config: WebConfig) -> ssl.SSLContext:
    tls = config.tls
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = _VERSIONS[tls.get("min_version", "TLS12")]
    if "max_version" in tls:
        context.maximum_version = _VERSIONS[tls["max_version"]]
    try:
        context.load_cert_chain(tls["cert_file"], tls["key_file"])
        if tls.get("client_ca_file"):
            context.load_verify_locations(tls["client_ca_file"])
    except (OSError, ssl.SSLError) as exc:
        raise WebConfigError(f"web config {config.path}: TLS files: {exc}") from None
    context.verify_mode = _CLIENT_AUTH[tls.get("client_auth_type", "NoClientCert")]
    return context


def _bcrypt() -> Any:
    try:
        import bcrypt
    except ImportError:
        raise WebConfigError("basic_auth_users needs the bcrypt package: pip install bcrypt") from None
    return bcrypt


def protect(app: Callable[..., Iterable[bytes]], users: dict[str, bytes]) -> Callable[..., Iterable[bytes]]:
    """`app` behind HTTP basic auth against bcrypt hashes (WSGI)."""
    bcrypt = _bcrypt()
    verified: dict[tuple[str, bytes], bool] = {}
    lock = threading.Lock()

    def allowed(header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        stored = users.get(user)
        if stored is None:
            return False
        key = (user, hmac.digest(stored, password.encode(), "sha256"))
        with lock:
            if key in verified:
                return True
        try:
            if not bcrypt.checkpw(password.encode(), stored):
                return False
        except ValueError:  # e.g. a password over bcrypt's 72 bytes
            return False
        with lock:
            if len(verified) >= _CACHE_SIZE:
                verified.clear()
            verified[key] = True
        return True

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if allowed(environ.get("HTTP_AUTHORIZATION", "")):
            return app(environ, start_response)
        start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="airdrops"'),
                                            ("Content-Type", "text/plain")])  # fmt: skip
        return [b"Unauthorized\n"]

    return guarded


#: Seconds a client has to finish the TLS handshake (in its own thread: a silent client blocks no one).
HANDSHAKE_TIMEOUT_S = 10.0


def serve(host: str, port: int, app: Any, config: WebConfig | None) -> Any:
    """Serve the WSGI `app` (`/metrics`) in a daemon thread, with `config`'s TLS and basic auth; the server."""
    from wsgiref.simple_server import make_server

    from prometheus_client.exposition import ThreadingWSGIServer, _get_best_family, _SilentHandler

    context = ssl_context(config) if config is not None and config.tls else None

    class Server(ThreadingWSGIServer):
        def finish_request(self, request: Any, client_address: Any) -> None:
            if context is not None:  # the handshake runs here, in the request's thread, not in accept()
                try:
                    request.settimeout(HANDSHAKE_TIMEOUT_S)
                    request.do_handshake()
                except (OSError, ssl.SSLError):
                    return
            super().finish_request(request, client_address)

    Server.address_family, host = _get_best_family(host, port)  # type: ignore[no-untyped-call]
    if config is not None and config.users:
        app = protect(app, config.users)
    server = make_server(host, port, app, Server, handler_class=_SilentHandler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    threading.Thread(target=server.serve_forever, name="airdrops-metrics", daemon=True).start()
    return server


if __name__ == "__main__":  # `python -m airdrops.monitoring._internal.webconfig FILE`: the roles' check before install
    import sys

    try:
        load(sys.argv[1])
    except (WebConfigError, IndexError) as exc:
        sys.exit(str(exc) if isinstance(exc, WebConfigError) else "usage: webconfig FILE")
    print(f"{sys.argv[1]}: ok")
