"""Benchmark 4: rebuilding credit banks and star levels from the event store, against
(a) a raw COPY scan of the events table (the read limit) and (b) loading each
aggregate through the library's repository."""

from __future__ import annotations

from uuid import UUID

from application.services import Container
from bench.env import BenchServer, container
from bench.harness import Result, step, timed
from bench.history import write_history
from infra.settings import new_master_key
from infra.snapshots import SNAPSHOTS_TABLE


def copy_scan(url: str) -> int:
    import psycopg

    rows = 0
    with (
        psycopg.connect(url) as conn,
        conn.cursor() as cur,
        cur.copy("COPY vledger_events TO STDOUT") as copy,
    ):
        for _ in copy.rows():
            rows += 1
    return rows


def through_repository(ledger_container: Container) -> int:
    repository = ledger_container.store.repository
    rows = ledger_container.db.fetch_all(
        "SELECT originator_id, count(*) AS n FROM vledger_events GROUP BY originator_id"
    )
    for row in rows:
        repository.get(UUID(str(row["originator_id"])))
    return sum(int(r["n"]) for r in rows)


def run(server: BenchServer, events: int) -> list[Result]:
    key = new_master_key()
    with server.database() as url:
        writer = container(server, url, key)
        with step(f"writing a history of {events:,} events"):
            write_history(writer, events)
        total = writer.store.max_position()
        writer.close()
        # Fresh processes' view: no aggregate cache warmed by the writes.
        reader = container(server, url, key)
        with step("replay (ours)"):
            ours = timed(lambda: reader.audit.replay())
        with step("COPY scan"):
            scan = timed(lambda: copy_scan(url))
        reader.close()
        uncached = container(server, url, key)
        uncached.store.repository.cache = None  # type: ignore[assignment]
        # The replay folds every event (it never trusts a snapshot): so does the
        # baseline, without the snapshots the writes left.
        uncached.db.execute(f"TRUNCATE {SNAPSHOTS_TABLE}")
        with step("repository, aggregate by aggregate"):
            repo = timed(lambda: through_repository(uncached))
        uncached.close()
    rate = total / ours.seconds
    return [
        Result(
            "replay", "events/s", rate, "COPY scan", scan.value / scan.seconds, ">= 0.4"
        ),
        Result(
            "replay",
            "events/s",
            rate,
            "library repository",
            repo.value / repo.seconds,
            ">= 3",
        ),
    ]
