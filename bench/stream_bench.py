"""Benchmark 7: a command's cost against the length of the streams it loads.

A volunteer per size is given N entries by the bulk import; then the API is started
afresh (`vledger serve`, so nothing is cached: "cold") and records one more entry
for each volunteer over HTTP, the longest history first (it also pays the process's
first request), then 20 more each ("later", the median). The same is done for
catalog items with long histories of redemptions. The baseline of each row is the
same request on a volunteer with 10 entries (and an item with 10 redemptions),
measured in the same process after the longer ones."""

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


def volunteer_costs(server: BenchServer, sizes: list[int]) -> dict[int, Costs]:
    """A volunteer per size, each given its entries by an import of its own; then
    one fresh `vledger serve` records an entry for each, the largest first (so it
    also pays the process's first request), then 20 more each."""
    key = new_master_key()
    with server.database() as url, tempfile.TemporaryDirectory() as scratch:
        ledger = container(server, url, key)
        unit, numbers = district(ledger, len(sizes))
        ids = ledger.reads.volunteer_ids_by_number(set(numbers))
        imported = {}
        for size, number in zip(sizes, numbers, strict=True):
            path = Path(scratch) / f"hours-{size}.csv"
            write_csv(path, unit, [number], size)
            imported[size] = timed(lambda path=path: import_file(ledger, path))
        _settle(ledger)
        env = ledger_env(url, key, server.home / "streams", group_commit=True)
        token = admin_token(server, url, key)
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)

        def post(size: int, n: int) -> float:
            # Half-hour spans before the imported ones (two hours apart from now).
            volunteer = ids[numbers[sizes.index(size)]]
            start = now - timedelta(hours=2 * size + 24) + n * _HALF
            path = f"/v1/volunteers/{volunteer}/hours"
            return posted_ms(client, path, hours_body(str(unit), start))

        largest_first = sorted(sizes, reverse=True)
        with serve(env, free_port()) as served, _client(served.url, token) as client:
            cold = {size: post(size, 0) for size in largest_first}
            later = {
                size: [post(size, n) for n in range(1, LATER + 1)]
                for size in largest_first
            }
    return {
        size: Costs(
            imported[size].seconds * 1000, cold[size], statistics.median(later[size])
        )
        for size in sizes
    }


_HALF = timedelta(minutes=30, seconds=1)


def item_costs(server: BenchServer, sizes: list[int]) -> dict[int, Costs]:
    """An item per size whose stream has that many sales (written as the item's
    own events, as a kiosk's redemptions write them); then one fresh process
    sells each once, the longest first, then 20 more each."""
    key = new_master_key()
    with server.database() as url:
        ledger = container(server, url, key)
        admin = Actor(Role.ADMIN, uuid.uuid4(), "bench")
        places = make_district(ledger, admin)
        items, written = {}, {}
        for size in sizes:
            listed = ListItem(places.station, f"毛巾{size}", Decimal(1), size + 1000)
            items[size] = item_id = ledger.commands.run(
                ledger.catalog.list, listed, admin
            ).result.id
            written[size] = timed(
                lambda item_id=item_id, size=size: _sell(ledger, item_id, size)
            )
        volunteer = _rich_volunteer(ledger, places.station)
        # The volunteer spends its own points (a kiosk would need a PIN session).
        own = ledger.tokens.issue(Role.VOLUNTEER, "本人", volunteer_id=volunteer)
        token = own.token
        _settle(ledger)
        env = ledger_env(url, key, server.home / "streams", group_commit=True)

        def sell(size: int) -> float:
            body = {
                "volunteer_id": str(volunteer),
                "items": [{"item_id": str(items[size]), "quantity": 1}],
            }
            return posted_ms(client, "/v1/redemptions", body)

        longest_first = sorted(sizes, reverse=True)
        with serve(env, free_port()) as served, _client(served.url, token) as client:
            cold = {size: sell(size) for size in longest_first}
            later = {size: [sell(size) for _ in range(LATER)] for size in longest_first}
    return {
        size: Costs(
            written[size].seconds * 1000, cold[size], statistics.median(later[size])
        )
        for size in sizes
    }


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
    with step(f"volunteers with 10, {', '.join(f'{n:,}' for n in volunteer_sizes)}"):
        volunteers = volunteer_costs(server, [10, *volunteer_sizes])
    results = []
    for entries in volunteer_sizes:
        name = f"volunteer with {entries:,} entries"
        results.extend(_rows(name, volunteers[entries], volunteers[10]))
    with step(f"items with 10 and {item_size:,} redemptions"):
        items = item_costs(server, [10, item_size])
    name = f"item with {item_size:,} redemptions"
    results.extend(_rows(name, items[item_size], items[10]))
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
