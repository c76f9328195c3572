"""Benchmark 7: a command's cost against the length of the streams it loads.

One volunteer is given N entries by the bulk import; then the API is started afresh
(`vledger serve`, so nothing is cached: "cold") and records one more entry for that
volunteer over HTTP, then 20 more ("later", the median). The same is done for a
catalog item with a long history of redemptions: one redemption over HTTP from a
fresh process, then 20 more. The baseline of each row is the same request on a
volunteer with 10 entries (and an item with 10 redemptions)."""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from application.supermarket import ListItem
from bench.env import BenchServer, container
from bench.harness import Result, step, timed
from bench.history import volunteer_with_history
from bench.http_bench import admin_token, free_port, ledger_env, serve
from bench.import_bench import district, import_file, write_csv
from domain.access import Actor, Role
from domain.catalog import CatalogItem
from infra.group_commit import MAX_EVENTS
from infra.settings import new_master_key
from tests.integration.helpers import make_district

LATER = 20
#: Events saved per transaction when a long item history is written (a save stays
#: within the group committer's batch, as a kiosk's would).
CHUNK = MAX_EVENTS


@dataclass(frozen=True)
class Costs:
    """Milliseconds: the bulk import (or history write), the first request of a
    fresh process, and the median of the next ones."""

    setup_ms: float
    cold_ms: float
    later_ms: float


def hours_body(unit: str, start: datetime) -> dict[str, Any]:
    return {
        "unit_id": unit,
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=30)).isoformat(),
        "activity_name": "清扫",
        "location": "社区",
        "service_recipient": "居民",
        "content": "清扫",
        "leader": "李",
    }


def posted_ms(client: httpx.Client, path: str, body: dict[str, Any]) -> float:
    started = time.perf_counter()
    answer = client.post(path, json=body)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code >= 300:
        raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:300]}")
    return elapsed


def volunteer_costs(server: BenchServer, entries: int) -> Costs:
    key = new_master_key()
    with server.database() as url, tempfile.TemporaryDirectory() as scratch:
        ledger = container(server, url, key)
        unit, numbers = district(ledger, 1)
        path = Path(scratch) / "hours.csv"
        write_csv(path, unit, numbers, entries)
        imported = timed(lambda: import_file(ledger, path))
        volunteer = ledger.reads.volunteer_ids_by_number({numbers[0]})[numbers[0]]
        _settle(ledger)
        env = ledger_env(url, key, server.home / "streams", group_commit=True)
        token = admin_token(env)
        port = free_port()
        # Half-hour spans before the imported ones (two hours apart back from now).
        first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        first -= timedelta(hours=2 * entries + 24)
        with serve(env, port) as served, _client(served.url, token) as client:
            path_ = f"/v1/volunteers/{volunteer}/hours"
            times = [
                posted_ms(client, path_, hours_body(str(unit), first + n * _HALF))
                for n in range(LATER + 1)
            ]
    return Costs(imported.seconds * 1000, times[0], statistics.median(times[1:]))


_HALF = timedelta(minutes=30, seconds=1)


def item_costs(server: BenchServer, redemptions: int) -> Costs:
    """An item whose stream has `redemptions` sales (written as the item's own
    events, as a kiosk's redemptions write them), then sales over HTTP."""
    key = new_master_key()
    with server.database() as url:
        ledger = container(server, url, key)
        admin = Actor(Role.ADMIN, uuid.uuid4(), "bench")
        places = make_district(ledger, admin)
        listed = ListItem(places.station, "毛巾", Decimal(1), redemptions + 1000)
        item_id = ledger.commands.run(ledger.catalog.list, listed, admin).result.id
        written = timed(lambda: _sell(ledger, item_id, redemptions))
        volunteer = _rich_volunteer(ledger, places.station)
        # The volunteer spends its own points (a kiosk would need a PIN session).
        own = ledger.tokens.issue(Role.VOLUNTEER, "本人", volunteer_id=volunteer)
        token = own.token
        _settle(ledger)
        env = ledger_env(url, key, server.home / "streams", group_commit=True)
        port = free_port()
        body = {
            "volunteer_id": str(volunteer),
            "items": [{"item_id": str(item_id), "quantity": 1}],
        }
        with serve(env, port) as served, _client(served.url, token) as client:
            times = [
                posted_ms(client, "/v1/redemptions", body) for _ in range(LATER + 1)
            ]
    return Costs(written.seconds * 1000, times[0], statistics.median(times[1:]))


def _sell(ledger: Any, item_id: uuid.UUID, redemptions: int) -> int:
    """The item's own events of `redemptions` past sales, days apart so that no
    daily limit applies, saved in chunks as a busy kiosk would have saved them."""
    item = ledger.aggregates.get(CatalogItem, item_id, LookupError)
    start = datetime.now(UTC).date() - timedelta(days=redemptions)
    for done in range(0, redemptions, CHUNK):
        for n in range(done, min(done + CHUNK, redemptions)):
            item.reserve(uuid.uuid4(), 1, uuid.uuid4(), start + timedelta(days=n))
        ledger.store.save([item])
    return redemptions


def _rich_volunteer(ledger: Any, station: uuid.UUID) -> uuid.UUID:
    aggregates = volunteer_with_history(1, station, 10)
    ledger.store.save(aggregates)
    return uuid.UUID(str(aggregates[0].id))


def _settle(ledger: Any) -> None:
    """Projects what was written and stops: the API then starts with nothing to
    catch up on, and with the snapshots taken (stopping takes those still due)."""
    ledger.projector.catch_up()
    ledger.close()


def _client(url: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


def run(server: BenchServer, sizes: tuple[int, ...]) -> list[Result]:
    *volunteer_sizes, item_size = sizes
    with step("volunteer with 10 entries"):
        small = volunteer_costs(server, 10)
    results = []
    for entries in volunteer_sizes:
        with step(f"volunteer with {entries:,} entries"):
            costs = volunteer_costs(server, entries)
        results.extend(_rows(f"volunteer with {entries:,} entries", costs, small))
    with step("item with 10 redemptions"):
        small_item = item_costs(server, 10)
    with step(f"item with {item_size:,} redemptions"):
        big_item = item_costs(server, item_size)
    results.extend(_rows(f"item with {item_size:,} redemptions", big_item, small_item))
    return results


def _rows(name: str, costs: Costs, small: Costs) -> list[Result]:
    return [
        Result(
            f"{name}: history written",
            "ms",
            costs.setup_ms,
            "the same for 10",
            small.setup_ms,
            "-",
        ),
        Result(
            f"{name}: first request after restart",
            "ms",
            costs.cold_ms,
            "the same for 10",
            small.cold_ms,
            "< 50",
        ),
        Result(
            f"{name}: later requests (median of {LATER})",
            "ms",
            costs.later_ms,
            "the same for 10",
            small.later_ms,
            "<= 1.2",
        ),
    ]
