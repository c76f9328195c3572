"""Benchmark 5: kiosk redemptions over HTTP. Kiosks stand at stations, each with
its station's goods; volunteers picked at random among the accounts identify (number
and PIN) beforehand, then wrk (one connection per kiosk) redeems one item per
request, each with its own Idempotency-Key. Run with group commit and with one
transaction per command on the same accounts; afterwards the ledger is held to what
the kiosks were told: no account overdrawn or out of step with its entries, and
points spent and stock gone equal to the acknowledged sales."""

from __future__ import annotations

import asyncio
import random
import re
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import httpx

from application.kiosks import RegisterKiosk, SetKioskPin
from application.organisation import RegisterUnit
from application.services import Container
from application.supermarket import ListItem
from bench.env import BenchServer, container
from bench.harness import Result, step
from bench.history import volunteer_with_history
from bench.http_bench import latency_ms, ledger_env, run_wrk, serve
from domain.access import Actor, Role
from domain.organisation import UnitKind
from infra.settings import new_master_key
from tests.broker import free_port
from tests.integration.helpers import make_district

PIN = "258025"
PRICE = Decimal(10)
#: Ten two-hour entries: 200 points, twenty redemptions per account at most.
ENTRIES = 10
STOCK = 1_000_000
SESSIONS_PER_KIOSK = 5
SCRIPT = Path(__file__).resolve().parent / "kiosk.lua"


#: Kiosks stand at stations, ten to a station, each station with its own goods.
KIOSKS_PER_STATION = 10
GOODS = ("洗衣液", "大米 5kg", "食用油", "鸡蛋 10枚")


@dataclass(frozen=True)
class Kiosk:
    token: str
    items: list[UUID]  # the goods of its station


@dataclass(frozen=True)
class Shop:
    kiosks: list[Kiosk]
    volunteers: list[tuple[UUID, str]]  # id and number
    initial_balance: Decimal


def open_shop(ledger_container: Container, kiosks: int, accounts: int) -> Shop:
    c = ledger_container
    run = c.commands.run
    admin = Actor(Role.ADMIN, uuid.uuid4(), "bench")
    district = make_district(ledger_container, admin)
    volunteers = []
    for n in range(accounts):
        aggregates = volunteer_with_history(n + 1, district.station, ENTRIES)
        c.store.save(aggregates)
        volunteers.append((aggregates[0].id, f"V{n + 1:08d}"))
        run(c.kiosks.set_pin, SetKioskPin(aggregates[0].id, PIN), admin)
    stations: list[tuple[UUID, list[UUID]]] = []
    for n in range(max(1, kiosks // KIOSKS_PER_STATION)):
        new = RegisterUnit(f"站{n}", UnitKind.STATION, district.institute)
        station = run(c.organisation.register_unit, new, admin).result.id
        goods = [
            run(c.catalog.list, ListItem(station, g, PRICE, STOCK), admin).result.id
            for g in GOODS
        ]
        stations.append((station, goods))
    shop_kiosks = []
    for k in range(kiosks):
        station, goods = stations[k % len(stations)]
        device = RegisterKiosk(station, f"bench {k}")
        registered = run(c.kiosks.register, device, admin).result
        assert registered.token is not None
        shop_kiosks.append(Kiosk(registered.token, goods))
    c.projector.catch_up()  # type: ignore[union-attr]
    initial = c.aggregates.account(volunteers[0][0]).balance
    return Shop(shop_kiosks, volunteers, initial)


def open_sessions(url: str, shop: Shop, per_kiosk: int, path: Path) -> None:
    """Identifies `per_kiosk` volunteers at each kiosk (sessions last 10 minutes)
    and writes one sale per line for kiosk.lua: token, volunteer, session, item."""
    rng = random.Random(7)

    def identify(device: Kiosk) -> list[str]:
        headers = {"Authorization": f"Bearer {device.token}"}
        lines = []
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            for volunteer_id, number in rng.sample(shop.volunteers, per_kiosk):
                answer = client.post(
                    "/v1/kiosk/identify",
                    json={"volunteer_number": number, "pin": PIN},
                )
                answer.raise_for_status()
                session = answer.json()["session"]
                for item in device.items:
                    lines.append(f"{device.token} {volunteer_id} {session} {item}")
        return lines

    with ThreadPoolExecutor(max_workers=8) as pool:
        sales = [line for lines in pool.map(identify, shop.kiosks) for line in lines]
    path.write_text("\n".join(sales) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Driven:
    ok: int
    refused: int
    seconds: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.ok / self.seconds


def drive(url: str, sales: Path, kiosks: int, seconds: float) -> Driven:
    out = run_wrk(url, SCRIPT, kiosks, seconds, [str(sales)])
    tally = re.search(r"kiosk-tally ok=(\d+) refused=(\d+) other=(\d+)", out.stdout)
    if tally is None or int(tally.group(3)):
        raise RuntimeError(f"unexpected answers:\n{out.stdout}\n{out.stderr}")
    return Driven(
        int(tally.group(1)),
        int(tally.group(2)),
        seconds,
        latency_ms(out.stdout, "99%"),
    )


@dataclass(frozen=True)
class Offered:
    """An open-loop run: answers to requests sent on a fixed schedule."""

    ok: int
    refused: int
    p50_ms: float
    p99_ms: float


def offer(url: str, sales: Path, every_s: float, seconds: float) -> Offered:
    """Open loop: each kiosk redeems one item every `every_s` seconds on its own
    schedule (kiosks staggered evenly), whether or not its last request was answered,
    as kiosks at a steady rate do. A latency counts from the instant the request
    was due, so a slow answer is never hidden by the requests it delayed."""
    by_kiosk: dict[str, list[list[str]]] = {}
    for line in sales.read_text(encoding="utf-8").splitlines():
        token, volunteer, session, item = line.split()
        by_kiosk.setdefault(token, []).append([token, volunteer, session, item])
    return asyncio.run(_offer(url, list(by_kiosk.values()), every_s, seconds))


async def _offer(
    url: str, kiosks: list[list[list[str]]], every_s: float, seconds: float
) -> Offered:
    loop = asyncio.get_running_loop()
    rng = random.Random(11)
    limits = httpx.Limits(max_connections=4 * len(kiosks))
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def redeem(sale: list[str], due: float) -> tuple[int, float]:
            token, volunteer, session, item = sale
            answer = await client.post(
                "/v1/redemptions",
                json={
                    "volunteer_id": volunteer,
                    "items": [{"item_id": item, "quantity": 1}],
                },
                headers={
                    "Authorization": f"Bearer {token}",
                    "X-Kiosk-Session": session,
                    "Idempotency-Key": uuid.uuid4().hex,
                },
            )
            late = (loop.time() - due) * 1000
            if answer.status_code == 409 and "balance_sufficient" in answer.text:
                return 409, late
            if answer.status_code != 201:
                raise RuntimeError(f"{answer.status_code}: {answer.text}")
            return 201, late

        start = loop.time() + 0.5
        sent: list[asyncio.Task[tuple[int, float]]] = []
        rounds = int(seconds / every_s)
        due = sorted(
            (start + (k / len(kiosks) + n) * every_s, k)
            for k in range(len(kiosks))
            for n in range(rounds)
        )
        for at, k in due:
            await asyncio.sleep(max(0.0, at - loop.time()))
            sale = rng.choice(kiosks[k])
            sent.append(asyncio.create_task(redeem(sale, at)))
        answers = await asyncio.gather(*sent)
    latencies = sorted(late for _, late in answers)
    return Offered(
        sum(1 for status, _ in answers if status == 201),
        sum(1 for status, _ in answers if status == 409),
        latencies[len(latencies) // 2],
        latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    )


def double_spends(
    ledger_container: Container, shop: Shop, acknowledged: int, cut_off: int
) -> int:
    """Disagreements: accounts overdrawn or out of step with their entries; sales
    the points and the stock disagree on; requests applied more than once (each
    stores its Idempotency-Key once, in its own transaction); and sales beyond what
    the kiosks were told succeeded, save the `cut_off` requests still in flight
    when wrk stopped (committed, but their answers never read)."""
    aggregates = ledger_container.aggregates
    wrong, spent = 0, Decimal(0)
    for volunteer_id, _ in shop.volunteers:
        account = aggregates.account(volunteer_id)
        spent += account.redeemed
        if account.balance < 0 or account.balance != shop.initial_balance - (
            account.redeemed
        ):
            wrong += 1
    sales = int(spent / PRICE)
    items = {item for device in shop.kiosks for item in device.items}
    stock = ledger_container.store.load(*items)
    sold = sum(STOCK - getattr(stock[item], "stock") for item in items)  # noqa: B009
    row = ledger_container.db.fetch_one(
        "SELECT count(*) AS n FROM idempotency_keys WHERE scope LIKE %s",
        ("%:POST:/v1/redemptions",),
    )
    keys = int(row["n"]) if row else 0
    checks = (
        sold == sales,
        keys == sales,
        acknowledged <= sales <= acknowledged + cut_off,
    )
    return wrong + checks.count(False)


@dataclass(frozen=True)
class Size:
    seconds: float
    kiosks: int
    accounts: int
    #: The open-loop run: each kiosk redeems every `every_s` seconds this long.
    open_seconds: float = 30
    every_s: float = 2.0


def run(server: BenchServer, size: Size) -> list[Result]:
    key = new_master_key()
    with server.database() as url, tempfile.TemporaryDirectory() as scratch:
        setup = container(server, url, key)
        with step(f"{size.accounts:,} accounts, {size.kiosks} kiosks"):
            shop = open_shop(setup, size.kiosks, size.accounts)
        setup.close()
        measured: dict[bool, Driven] = {}
        rss: dict[bool, float] = {}
        for group_commit in (True, False):
            env = ledger_env(url, key, server.home / "kiosk", group_commit)
            label = "group commit" if group_commit else "one transaction per command"
            with step(label), serve(env, free_port(), workers=1) as served:
                sales = Path(scratch) / f"sales-{group_commit}.txt"
                open_sessions(served.url, shop, SESSIONS_PER_KIOSK, sales)
                if group_commit:
                    steady = offer(served.url, sales, size.every_s, size.open_seconds)
                measured[group_commit] = drive(
                    served.url, sales, size.kiosks, size.seconds
                )
            rss[group_commit] = served.peak_rss_mib
        acknowledged = sum(d.ok for d in measured.values()) + steady.ok
        check = container(server, url, key)
        wrong = double_spends(check, shop, acknowledged, 2 * size.kiosks)
        check.close()
    refused = sum(d.refused for d in measured.values())
    print(
        f"  {acknowledged:,} redemptions, {refused:,} refused for points; "
        f"{wrong} disagreements between the ledger and the kiosks",
        flush=True,
    )
    name = f"kiosk redemptions, {size.kiosks} kiosks over {size.accounts:,} accounts"
    ours, single = measured[True], measured[False]
    return [
        Result(
            name,
            "redemptions/s",
            ours.rate,
            "one transaction per command",
            single.rate,
            "-",
        ),
        Result(
            name,
            "p99 ms (lower is better)",
            ours.p99_ms,
            "one transaction per command",
            single.p99_ms,
            "-",
        ),
        Result(
            f"kiosk redemptions at a steady {size.kiosks / size.every_s:g}/s "
            f"({size.kiosks} kiosks, one every {size.every_s:g} s each)",
            "p50 ms, open loop (lower is better)",
            steady.p50_ms,
            "-",
            0,
            "-",
        ),
        Result(
            f"kiosk redemptions at a steady {size.kiosks / size.every_s:g}/s "
            f"({size.kiosks} kiosks, one every {size.every_s:g} s each)",
            "p99 ms, open loop (lower is better)",
            steady.p99_ms,
            "closed loop, saturated (p99 ms)",
            ours.p99_ms,
            "< 50",
        ),
        Result(name, "double or lost spends", wrong, "-", 0, "= 0"),
        Result(
            "memory: API process under kiosk load",
            "peak RSS MiB (lower is better)",
            rss[True],
            "one transaction per command",
            rss[False],
            "-",
        ),
    ]
