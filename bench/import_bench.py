"""Benchmark 2: bulk import of hours from CSV (`vledger import-hours`) against the
same rows recorded by the domain's aggregates and saved by the eventsourcing
library's own `Application.save` in batches (what an import on the library does),
and against a raw Postgres COPY of the same file into a table of the same columns."""

from __future__ import annotations

import csv
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder

from application.hours import record_entry
from application.imports import REQUIRED, read_rows
from application.organisation import RegisterUnit
from application.services import Container
from application.volunteers import RegisterVolunteer
from bench.env import BenchServer, container
from bench.harness import Result, step, timed
from domain.access import Actor, Role
from domain.identity import Gender
from domain.ids import account_id_for
from domain.organisation import UnitKind
from infra.db import eventsourcing_env
from infra.recorder import DateAsISO
from tests.factories import id_number
from tests.integration.helpers import BIRTH, DETAILS

#: A hundred rows per volunteer, about a year of weekly service.
ROWS_PER_VOLUNTEER = 100


def district(ledger_container: Container, volunteers: int) -> tuple[UUID, list[str]]:
    c = ledger_container
    admin = Actor(Role.ADMIN, uuid.uuid4(), "bench")
    new_center = RegisterUnit("中心", UnitKind.CENTER)
    center = c.commands.run(c.organisation.register_unit, new_center, admin).result.id
    numbers = []
    for n in range(volunteers):
        # A birth date holds 500 serial numbers per gender.
        birth = BIRTH + timedelta(days=n // 500)
        person = RegisterVolunteer(
            "王小明",
            Gender.FEMALE,
            birth,
            id_number(birth, Gender.FEMALE, n % 500),
            "13812345678",
            center,
        )
        registered = c.commands.run(c.volunteers.register, person, admin).result
        numbers.append(registered.volunteer_number)
    c.projector.catch_up()  # type: ignore[union-attr]
    return center, numbers


def write_csv(path: Path, unit: UUID, numbers: list[str], rows: int) -> None:
    """Rows spread over the volunteers, each an hour-long span an hour apart."""
    latest = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(REQUIRED)
        for n in range(rows):
            start = latest - timedelta(hours=2 + 2 * (n // len(numbers)))
            writer.writerow(
                [
                    numbers[n % len(numbers)],
                    unit,
                    start.isoformat(),
                    (start + timedelta(hours=1)).isoformat(),
                    DETAILS.activity_name,
                    DETAILS.location,
                    DETAILS.service_recipient,
                    DETAILS.content,
                    DETAILS.leader,
                ]
            )


def import_file(ledger_container: Container, path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as source:
        rows, errors = read_rows(source)
    importer = Actor(Role.ADMIN, uuid.uuid4(), "bench")
    report = ledger_container.imports.run(rows, importer, errors)
    if report.errors or not report.written:
        raise RuntimeError(f"import refused rows: {report.errors[:3]}")
    return report.new


class _PlainLibrary(Application[UUID]):
    """The library's application as it comes: its mapper, JSON transcoder and
    Postgres recorder, and `save` with its checks (no chain, no side writes)."""

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())


def library_batched_save(
    ledger_container: Container, url: str, path: Path, rows_per_save: int = 100
) -> int:
    """The file read as the import reads it, each row decided by the domain's
    aggregates (`record_entry`, as the import did before stored rows) and every
    `rows_per_save` rows saved by the library into an empty database."""
    with path.open(encoding="utf-8", newline="") as source:
        rows, _ = read_rows(source)
    env = {**eventsourcing_env(url), "IS_SNAPSHOTTING_ENABLED": "n"}
    library = _PlainLibrary(env)
    c = ledger_container
    terms = c.aggregates.policy().terms
    ids = c.reads.volunteer_ids_by_number({r.volunteer_number for r in rows})
    loaded = c.store.load(*(i for v in ids.values() for i in (v, account_id_for(v))))
    pairs = {
        v: (c.aggregates.volunteer(v, loaded), c.aggregates.account(v, loaded))
        for v in ids.values()
    }
    try:
        for start in range(0, len(rows), rows_per_save):
            touched: dict[UUID, Any] = {}
            for row in rows[start : start + rows_per_save]:
                volunteer, account = pairs[ids[row.volunteer_number]]
                record_entry(
                    volunteer,
                    account,
                    row.record_id,
                    row.unit_id,
                    row.span,
                    row.details,
                    terms,
                    c.clock,
                    "bench",
                )
                touched[volunteer.id], touched[account.id] = volunteer, account
            library.save(*touched.values())
    finally:
        library.close()
    return len(rows)


def copy_file(url: str, path: Path) -> int:
    columns = ", ".join(f"{c} text" for c in REQUIRED)
    with psycopg.connect(url) as conn:
        conn.execute(f"CREATE TABLE copy_baseline ({columns})")
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY copy_baseline FROM STDIN WITH (FORMAT csv, HEADER true)"
            ) as copy,
            path.open("rb") as source,
        ):
            while block := source.read(1 << 16):
                copy.write(block)
        row = conn.execute("SELECT count(*) FROM copy_baseline").fetchone()
    return int(row[0]) if row else 0


def run(server: BenchServer, rows: int) -> list[Result]:
    with server.database() as url, tempfile.TemporaryDirectory() as scratch:
        ledger_container = container(server, url)
        volunteers = max(1, rows // ROWS_PER_VOLUNTEER)
        with step(f"registering {volunteers:,} volunteers"):
            unit, numbers = district(ledger_container, volunteers)
        path = Path(scratch) / "hours.csv"
        write_csv(path, unit, numbers, rows)
        with (
            server.database() as library_url,
            step("the same rows through the library's batched save"),
        ):
            library = timed(
                lambda: library_batched_save(ledger_container, library_url, path)
            )
        with step(f"import of {rows:,} rows (ours)"):
            ours = timed(lambda: import_file(ledger_container, path))
        ledger_container.close()
        with step("COPY of the same file"):
            copied = timed(lambda: copy_file(url, path))
    rate = ours.value / ours.seconds
    return [
        Result(
            "bulk import of hours (CSV)",
            "records/s",
            rate,
            "library's batched save",
            library.value / library.seconds,
            ">= 5",
        ),
        Result(
            "bulk import of hours (CSV)",
            "records/s",
            rate,
            "COPY of the same rows",
            copied.value / copied.seconds,
            "-",
        ),
    ]
