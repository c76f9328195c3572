"""A throwaway embedded Postgres for a benchmark run, a database per benchmark."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from application.services import Container
from entrypoints.container import build
from infra.embedded_pg import start_embedded_postgres
from infra.settings import Settings, new_master_key


class BenchServer:
    def __init__(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="vledger-bench-"))
        self.admin_url = start_embedded_postgres(
            self.home, database="postgres", delete_on_exit=True
        )

    @contextmanager
    def database(self) -> Iterator[str]:
        name = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield make_conninfo(self.admin_url, dbname=name)
        finally:
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(name)
                    )
                )

    def settings(self, url: str, master_key: str, **extra: object) -> Settings:
        return Settings(
            database_url=url, master_key=master_key, home=self.home / "state", **extra
        )


def container(
    server: BenchServer, url: str, master_key: str | None = None
) -> Container:
    return build(server.settings(url, master_key or new_master_key()), clock=now)


def now() -> datetime:
    return datetime.now(UTC)
