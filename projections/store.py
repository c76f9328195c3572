"""What the read side needs of a Postgres connection pool. The read side names the
shape and the composition root hands in an adapter that has it (infra/db.py's
Database), so projections never import infra."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

from psycopg import Cursor
from psycopg.rows import DictRow


class SqlStore(Protocol):
    def transaction(self) -> AbstractContextManager[Cursor[DictRow]]:
        """A cursor inside one transaction, committed when the block ends."""
        ...

    def execute(self, query: Any, params: Any = None) -> None: ...

    def fetch_one(self, query: Any, params: Any = None) -> DictRow | None: ...

    def fetch_all(self, query: Any, params: Any = None) -> list[DictRow]: ...
