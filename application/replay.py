"""Replay for auditors: credit banks and star levels from the event store alone, as
of any instant, to compare with the live read models.

Two folds give the same tallies:
- the whole log is folded straight from the stored events (`LogFold`): one streamed
  scan, each event's JSON read for the few fields that move hours or points. This is
  neither the projection code nor the aggregates, so `verify` is an independent
  computation;
- one volunteer is folded through the domain aggregates themselves (`replay_one`),
  and tests hold both folds to the same answers.

"As of T" keeps, per stream, the events stamped at or before T: a stream stands at T
as the prefix of its history recorded by then."""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import ApplicationRecorder, Mapper
from psycopg import Connection, sql
from psycopg.rows import DictRow, tuple_row

from domain.account import CreditAccount
from domain.ids import account_id_for
from domain.policy import star_level
from domain.volunteer import Volunteer
from infra.recorder import EVENTS_TABLE

#: Positions kept per stream: the latest events behind a difference.
POSITIONS_KEPT = 20


def _positions() -> deque[int]:
    return deque(maxlen=POSITIONS_KEPT)


@dataclass
class VolunteerTally:
    volunteer_id: UUID
    volunteer_number: str = ""
    unit_id: UUID | None = None
    hours: dict[str, Decimal] = field(default_factory=dict)  # live entries
    positions: deque[int] = field(default_factory=_positions)

    @property
    def verified_hours(self) -> Decimal:
        return sum(self.hours.values(), Decimal(0))


@dataclass
class AccountTally:
    owner_id: UUID | None = None
    balance: Decimal = Decimal(0)
    earned: Decimal = Decimal(0)
    held: Decimal = Decimal(0)
    redeemed: Decimal = Decimal(0)
    holds: dict[str, Decimal] = field(default_factory=dict)
    entries: list[dict[str, Any]] = field(default_factory=list)
    positions: deque[int] = field(default_factory=_positions)


@dataclass
class Replayed:
    as_of: datetime | None
    through_position: int
    events_read: int
    volunteers: dict[UUID, VolunteerTally]
    accounts: dict[UUID, AccountTally]  # by account id

    def standing(self, volunteer: VolunteerTally) -> dict[str, Any]:
        account = self.accounts.get(account_id_for(volunteer.volunteer_id))
        return {
            "volunteer_id": volunteer.volunteer_id,
            "volunteer_number": volunteer.volunteer_number,
            "unit_id": volunteer.unit_id,
            "verified_hours": volunteer.verified_hours,
            "star_level": star_level(volunteer.verified_hours),
            "live_entries": len(volunteer.hours),
            "points_balance": account.balance if account else Decimal(0),
        }

    def star_levels(self) -> list[dict[str, Any]]:
        rows = [self.standing(v) for v in self.volunteers.values()]
        return sorted(rows, key=lambda r: r["volunteer_number"])

    def balances(self, with_entries: bool = False) -> list[dict[str, Any]]:
        rows = []
        for account in self.accounts.values():
            row: dict[str, Any] = {
                "owner_id": account.owner_id,
                "balance": account.balance,
                "earned": account.earned,
                "held": account.held,
                "redeemed": account.redeemed,
            }
            if with_entries:
                row["entries"] = account.entries
            rows.append(row)
        return sorted(rows, key=lambda r: str(r["owner_id"]))


# -- the log fold ------------------------------------------------------------------


def _events_of(cls: type[Aggregate]) -> str:
    """The topic prefix the library gives this aggregate's events."""
    return f"{cls.__module__}:{cls.__qualname__}."


VOLUNTEER_TOPIC = _events_of(Volunteer)
ACCOUNT_TOPIC = _events_of(CreditAccount)


def _data(value: dict[str, str]) -> str:
    """The payload of a transcoded value ({"_type_": …, "_data_": …})."""
    return value["_data_"]


def _decimal(value: dict[str, str]) -> Decimal:
    return Decimal(value["_data_"])


def _registered(t: VolunteerTally, d: dict[str, Any]) -> None:
    t.volunteer_number = d["volunteer_number"]
    t.unit_id = UUID(_data(d["unit_id"]))


def _hours_set(t: VolunteerTally, d: dict[str, Any]) -> None:
    t.hours[_data(d["record_id"])] = _decimal(d["hours"])


def _hours_revoked(t: VolunteerTally, d: dict[str, Any]) -> None:
    t.hours.pop(_data(d["record_id"]), None)


VolunteerStep = Callable[[VolunteerTally, dict[str, Any]], None]
VOLUNTEER_STEPS: dict[str, VolunteerStep] = {
    "Registered": _registered,
    "HoursRecorded": _hours_set,
    "HoursCorrected": _hours_set,
    "HoursRevoked": _hours_revoked,
}


def _opened(t: AccountTally, d: dict[str, Any]) -> None:
    t.owner_id = UUID(_data(d["volunteer_id"]))


def _earned(sign: int) -> Callable[[AccountTally, dict[str, Any]], None]:
    def step(t: AccountTally, d: dict[str, Any]) -> None:
        t.earned += sign * _decimal(d["points"])

    return step


def _redeemed(t: AccountTally, d: dict[str, Any]) -> None:
    t.redeemed += _decimal(d["points"])


def _held(t: AccountTally, d: dict[str, Any]) -> None:
    points = _decimal(d["points"])
    t.held += points
    t.holds[_data(d["redemption_id"])] = points


def _hold_committed(t: AccountTally, d: dict[str, Any]) -> None:
    t.holds.pop(_data(d["redemption_id"]), None)
    t.held -= _decimal(d["points"])
    t.redeemed += _decimal(d["points"])


def _hold_released(t: AccountTally, d: dict[str, Any]) -> None:
    t.holds.pop(_data(d["redemption_id"]), None)
    t.held -= _decimal(d["points"])


def _nothing_else(t: AccountTally, d: dict[str, Any]) -> None:
    """The balance moves by `balance_after`, which every such event carries."""


AccountStep = Callable[[AccountTally, dict[str, Any]], None]
ACCOUNT_STEPS: dict[str, AccountStep] = {
    "Opened": _opened,
    "PointsCredited": _earned(+1),
    "PointsClawedBack": _earned(-1),
    "PointsRedeemed": _redeemed,
    "PointsHeld": _held,
    "HoldCommitted": _hold_committed,
    "HoldReleased": _hold_released,
    "PointsDonated": _nothing_else,
    "PointsReceived": _nothing_else,
}


class UnknownEvent(RuntimeError):
    pass


_SCAN = sql.SQL(
    "SELECT notification_id, originator_id::text, topic, "
    "convert_from(state, 'UTF8') FROM {} WHERE notification_id <= {} AND "
    "(starts_with(topic, {}) OR starts_with(topic, {})) "
    "ORDER BY notification_id"
)
#: Rows per round trip of the server-side cursor.
SCAN_ROWS = 20_000


class LogFold:
    """Folds every volunteer and account in one streamed scan of the log."""

    def __init__(self, as_of: datetime | None, with_entries: bool = False) -> None:
        self.as_of = as_of
        self.with_entries = with_entries
        self.volunteers: dict[str, VolunteerTally] = {}
        self.accounts: dict[str, AccountTally] = {}
        self.cut: set[str] = set()
        self.read = 0

    def run(self, conn: Connection[DictRow], stop: int) -> None:
        query = _SCAN.format(
            sql.Identifier(EVENTS_TABLE),
            sql.Literal(stop),
            sql.Literal(VOLUNTEER_TOPIC),
            sql.Literal(ACCOUNT_TOPIC),
        )
        with (
            conn.transaction(),
            conn.cursor(name="replay_scan", row_factory=tuple_row) as cur,
        ):
            cur.itersize = SCAN_ROWS
            cur.execute(query)
            for position, stream, topic, state in cur:
                self.read += 1
                self.fold(position, stream, topic, orjson.loads(state))

    def fold(
        self, position: int, stream: str, topic: str, data: dict[str, Any]
    ) -> None:
        if stream in self.cut:
            return
        if self.as_of is not None and (
            datetime.fromisoformat(_data(data["timestamp"])) > self.as_of
        ):
            self.cut.add(stream)
            return
        kind = topic.rpartition(".")[2]
        if topic.startswith(VOLUNTEER_TOPIC):
            tally = self.volunteers.get(stream)
            if tally is None:
                tally = self.volunteers[stream] = VolunteerTally(UUID(stream))
            tally.positions.append(position)
            if step := VOLUNTEER_STEPS.get(kind):
                step(tally, data)
            return
        account = self.accounts.setdefault(stream, AccountTally())
        account.positions.append(position)
        account_step = ACCOUNT_STEPS.get(kind)
        if account_step is None:
            # A new kind of account event must be taught to the replay, not skipped.
            raise UnknownEvent(f"the replay does not know how {topic} moves points")
        account_step(account, data)
        if "balance_after" in data:
            after = _decimal(data["balance_after"])
            if self.with_entries:
                account.entries.append(
                    {
                        "position": position,
                        "type": kind,
                        "points": after - account.balance,
                        "balance_after": after,
                        "recorded_at": _data(data["timestamp"]),
                    }
                )
            account.balance = after

    def replayed(self, stop: int) -> Replayed:
        return Replayed(
            self.as_of,
            stop,
            self.read,
            {t.volunteer_id: t for t in self.volunteers.values()},
            {UUID(k): t for k, t in self.accounts.items()},
        )


# -- the aggregate fold, for one volunteer --------------------------------------------


def _volunteer_tally(volunteer: Volunteer) -> VolunteerTally:
    return VolunteerTally(
        volunteer.id,
        volunteer.volunteer_number,
        volunteer.unit_id,
        {str(e.record_id): e.hours for e in volunteer.live_entries()},
    )


def _account_tally(
    account: CreditAccount, entries: list[dict[str, Any]]
) -> AccountTally:
    return AccountTally(
        account.volunteer_id,
        account.balance,
        account.earned,
        account.held,
        account.redeemed,
        {str(k): v for k, v in account.holds.items()},
        entries,
    )


class Replayer:
    def __init__(
        self,
        recorder: ApplicationRecorder,
        mapper: Mapper[UUID],
        connect: Callable[[], Any],
    ) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self.connect = connect

    def replay(
        self,
        as_of: datetime | None = None,
        stop: int | None = None,
        with_entries: bool = False,
    ) -> Replayed:
        """Every volunteer and account through `stop` (default: the head when the
        replay starts), keeping what was recorded by `as_of`; each account's
        entries too if asked (they cost memory on a long log)."""
        stop = stop if stop is not None else self.recorder.max_notification_id() or 0
        fold = LogFold(as_of, with_entries)
        with self.connect() as conn:
            fold.run(conn, stop)
        return fold.replayed(stop)

    def replay_one(self, volunteer_id: UUID, as_of: datetime | None) -> Replayed:
        """One volunteer and their account, through the domain aggregates."""
        volunteer = self._aggregate(volunteer_id, as_of, [])
        entries: list[dict[str, Any]] = []
        account = self._aggregate(account_id_for(volunteer_id), as_of, entries)
        volunteers, accounts = {}, {}
        if isinstance(volunteer, Volunteer):
            volunteers[volunteer.id] = _volunteer_tally(volunteer)
        if isinstance(account, CreditAccount):
            accounts[account.id] = _account_tally(account, entries)
        return Replayed(as_of, 0, 0, volunteers, accounts)

    def _aggregate(
        self, aggregate_id: UUID, as_of: datetime | None, entries: list[dict[str, Any]]
    ) -> Aggregate | None:
        aggregate: Aggregate | None = None
        for stored in self.recorder.select_events(aggregate_id):
            event = cast("Aggregate.Event", self.mapper.to_domain_event(stored))
            if as_of is not None and event.timestamp > as_of:
                break
            before = getattr(aggregate, "balance", Decimal(0))
            aggregate = event.mutate(aggregate)
            after = getattr(event, "balance_after", None)
            if after is not None:
                entries.append(_entry(event, after - before, after))
        return aggregate


def _entry(event: Any, points: Decimal, after: Decimal) -> dict[str, Any]:
    return {
        "position": None,
        "type": type(event).__name__,
        "points": points,
        "balance_after": after,
        "recorded_at": event.timestamp.isoformat(),
    }


# -- instants and output ---------------------------------------------------------------


CSV_COLUMNS = (
    "volunteer_id",
    "volunteer_number",
    "unit_id",
    "verified_hours",
    "star_level",
    "live_entries",
    "points_balance",
)


def to_csv(replayed: Replayed) -> str:
    """Hours and points with two decimals each, as the ledger keeps them."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in replayed.star_levels():
        writer.writerow(
            {k: f"{v:.2f}" if isinstance(v, Decimal) else v for k, v in row.items()}
        )
    return out.getvalue()
