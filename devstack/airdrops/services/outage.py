"""A TCP forwarder that can be cut: a real network outage between a bot and its RPC node."""

from __future__ import annotations

import contextlib
import socket
import threading

from airdrops.services.process import free_port


class CuttableProxy:
    """Forwards 127.0.0.1:<port> to `target`; `cut()` refuses and drops connections until `restore()`.

    with CuttableProxy("127.0.0.1", 8545) as proxy:
        bot_rpc_url = proxy.url
        proxy.cut()      # the node is unreachable: connections are reset
        proxy.restore()
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._up = threading.Event()
        self._up.set()
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()

    @property
    def is_cut(self) -> bool:
        return not self._up.is_set()

    def cut(self) -> None:
        self._up.clear()
        with self._lock:
            for s in self._conns:
                with contextlib.suppress(OSError):
                    s.close()
            self._conns.clear()

    def restore(self) -> None:
        self._up.set()

    def start(self) -> CuttableProxy:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, name="outage-proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.close()
        self.cut()

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._up.is_set():
                client.close()  # the outage: the connection is dropped at once
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while self._up.is_set() and (data := src.recv(65536)):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.close()
            with self._lock:
                self._conns -= {src, dst}

    def __enter__(self) -> CuttableProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
