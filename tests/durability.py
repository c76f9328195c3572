"""Test servers trade durability after a power cut for speed: every test's
database is thrown away, and no test cuts the power (crash tests kill the
application's processes, whose acknowledged writes Postgres already has). The
production default keeps Postgres's settings."""

from __future__ import annotations

from pathlib import Path

import psycopg

from infra.embedded_pg import start_embedded_postgres


def relax_durability(admin_url: str) -> None:
    """No fsync and no wait for the WAL flush at commit, from now on."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            conn.execute(f"ALTER SYSTEM SET {setting} = off")
        conn.execute("SELECT pg_reload_conf()")


def relaxed_home(home: Path) -> Path:
    """`home` with its embedded server started (and kept while the test runs),
    relaxed: the processes a test starts there reuse it."""
    relax_durability(start_embedded_postgres(home, database="postgres"))
    return home
