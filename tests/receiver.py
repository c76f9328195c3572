"""A real HTTP endpoint on loopback for delivery tests: it records what it is sent
and answers 500 to the first `failures` requests; and one that never answers."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    server: ThreadingHTTPServer
    failures: int = 0
    received: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_receiver() -> Receiver:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            receiver.received.append(
                Received(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
            )
            failing = receiver.failures > 0
            receiver.failures -= 1 if failing else 0
            self.send_response(500 if failing else 204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver


@dataclass
class SilentReceiver:
    """A receiver that accepts connections, reads what it is sent and never
    answers: a gateway or webhook endpoint that hangs."""

    listener: socket.socket
    accepted: list[socket.socket] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.listener.getsockname()[:2]
        return f"http://{host!s}:{port}/hook"

    def stop(self) -> None:
        """Closes every connection: the calls waiting on them fail at once."""
        self.listener.close()
        for connection in list(self.accepted):
            connection.close()


def start_silent_receiver() -> SilentReceiver:
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    receiver = SilentReceiver(listener)

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # stopped
            receiver.accepted.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    return receiver
