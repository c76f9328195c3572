"""Connections for everything beside the event store: read models, vault, tokens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

import psycopg
from psycopg import Connection, Cursor, DataError, abc
from psycopg.abc import AdaptContext, Buffer
from psycopg.adapt import Loader
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import Format
from psycopg.rows import DictRow, dict_row
from psycopg.types.datetime import TimestamptzLoader
from psycopg_pool import ConnectionPool

EARLIEST_HELD = datetime.min.replace(tzinfo=UTC)
LATEST_HELD = datetime.max.replace(tzinfo=UTC)


#: psycopg's own loader: the C one of psycopg[binary] (ten times the pure-Python
#: one on every timestamp a read returns), which cannot be subclassed.
FAST_TIMESTAMPTZ: type[abc.Loader] = (
    psycopg.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, Format.TEXT)
    or TimestamptzLoader
)


class InstantLoader(Loader):
    """Reads an instant that Python cannot hold (before year 1 or after 9999 in UTC;
    a client could send one before the ledger bounded its instants, see
    domain/instants.py) as the nearest one it can, so that no read fails on it.
    Every other instant goes through psycopg's own loader."""

    def __init__(self, oid: int, context: AdaptContext | None = None) -> None:
        super().__init__(oid, context)
        self._load = FAST_TIMESTAMPTZ(oid, context).load

    def load(self, data: Buffer) -> datetime:
        try:
            return cast(datetime, self._load(data))
        except DataError:
            return EARLIEST_HELD if bytes(data).endswith(b"BC") else LATEST_HELD


def tolerate_any_instant(conn: Connection[Any]) -> None:
    conn.adapters.register_loader("timestamptz", InstantLoader)


class Database:
    def __init__(self, url: str, pool_size: int = 4) -> None:
        self.url = url
        self.pool: ConnectionPool[Connection[DictRow]] = ConnectionPool(
            url,
            connection_class=Connection[DictRow],
            kwargs={"row_factory": dict_row, "autocommit": True},
            min_size=1,
            max_size=pool_size,
            open=True,
            name="vledger",
            configure=tolerate_any_instant,
        )

    @contextmanager
    def transaction(self) -> Iterator[Cursor[DictRow]]:
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield cur

    def fetch_one(self, query: Any, params: Any = None) -> DictRow | None:
        with self.pool.connection() as conn:
            return conn.execute(query, params).fetchone()

    def fetch_all(self, query: Any, params: Any = None) -> list[DictRow]:
        with self.pool.connection() as conn:
            return conn.execute(query, params).fetchall()

    def execute(self, query: Any, params: Any = None) -> None:
        with self.pool.connection() as conn:
            conn.execute(query, params)

    def stream(
        self, query: Any, params: Any = None, batch: int = 5000
    ) -> Iterator[DictRow]:
        """Rows read `batch` at a time through a server-side cursor, on a
        connection of their own: a long export holds none of the pool's
        connections, and memory stays flat however many rows there are."""
        with psycopg.connect(self.url, row_factory=dict_row) as conn:
            tolerate_any_instant(conn)
            with conn.cursor(name="vledger_stream") as cur:
                cur.itersize = batch
                cur.execute(query, params)
                yield from cur

    def close(self) -> None:
        self.pool.close()


def eventsourcing_env(url: str) -> dict[str, str]:
    """The environment the eventsourcing library reads, from a Postgres URL."""
    params = conninfo_to_dict(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(params.get("dbname", "postgres")),
        "POSTGRES_HOST": str(params.get("host", "localhost")),
        "POSTGRES_PORT": str(params.get("port", "5432")),
        "POSTGRES_USER": str(params.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(params.get("password", "")),
        "POSTGRES_POOL_SIZE": "4",
        "POSTGRES_MAX_OVERFLOW": "4",
        "POSTGRES_LOCK_TIMEOUT": "10",
        # A ping before every checkout cost 17 % of a write under load; a dead
        # connection instead fails its statement, which the library retries on a
        # fresh one (the pool discards the broken one).
        "POSTGRES_PRE_PING": "n",
        # The snapshot store (infra/snapshots.py); the library's own snapshotting
        # on save stays off: ours is taken in the background.
        "IS_SNAPSHOTTING_ENABLED": "y",
    }
