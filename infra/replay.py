"""Replay for auditors: credit banks and star levels folded from the event store
alone, as of any instant, and compared with the live read models.

The fold runs the domain aggregates' own events (`event.mutate`), never the
projection code, so a verification is a second, independent computation. "As of T"
keeps, per aggregate, the events stamped at or before T: a stream stands at T as the
prefix of its history recorded by then."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import ApplicationRecorder, Mapper, StoredEvent

from domain.account import CreditAccount
from domain.ids import account_id_for
from domain.policy import star_level
from domain.volunteer import Volunteer

BATCH = 2000
#: Which streams a replay folds: the ones credit banks and star levels follow from.
FOLDED = (Volunteer, CreditAccount)


def _topic_prefix(cls: type[Aggregate]) -> str:
    return f"{cls.__module__}:{cls.__qualname__}."


PREFIXES = tuple(_topic_prefix(cls) for cls in FOLDED)


@dataclass
class Stream:
    """One aggregate folded as of the replay's instant, with its positions."""

    aggregate: Any = None
    positions: list[int] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    cut: bool = False  # an event after the instant: later versions are left out


@dataclass
class Replayed:
    as_of: datetime | None
    through_position: int
    events_read: int
    streams: dict[UUID, Stream]

    def volunteers(self) -> Iterator[tuple[Volunteer, Stream]]:
        for stream in self.streams.values():
            if isinstance(stream.aggregate, Volunteer):
                yield stream.aggregate, stream

    def accounts(self) -> Iterator[tuple[CreditAccount, Stream]]:
        for stream in self.streams.values():
            if isinstance(stream.aggregate, CreditAccount):
                yield stream.aggregate, stream

    def standing(self, volunteer: Volunteer) -> dict[str, Any]:
        account = self.streams.get(account_id_for(volunteer.id))
        balance = account.aggregate.balance if account else Decimal(0)
        return {
            "volunteer_id": volunteer.id,
            "volunteer_number": volunteer.volunteer_number,
            "unit_id": volunteer.unit_id,
            "verified_hours": volunteer.verified_hours,
            "star_level": star_level(volunteer.verified_hours),
            "live_entries": len(volunteer.live_entries()),
            "points_balance": balance,
        }

    def star_levels(self) -> list[dict[str, Any]]:
        rows = [self.standing(v) for v, _ in self.volunteers()]
        return sorted(rows, key=lambda r: r["volunteer_number"])

    def balances(self, with_entries: bool = False) -> list[dict[str, Any]]:
        rows = []
        for account, stream in self.accounts():
            row: dict[str, Any] = {
                "owner_id": account.volunteer_id,
                "balance": account.balance,
                "earned": account.earned,
                "held": account.held,
                "redeemed": account.redeemed,
            }
            if with_entries:
                row["entries"] = stream.entries
            rows.append(row)
        return sorted(rows, key=lambda r: str(r["owner_id"]))


class Replayer:
    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[UUID]) -> None:
        self.recorder = recorder
        self.mapper = mapper

    def replay(
        self, as_of: datetime | None = None, stop: int | None = None
    ) -> Replayed:
        """Folds every volunteer and credit account through `stop` (default: the
        head when the replay starts), keeping what was recorded by `as_of`."""
        stop = stop if stop is not None else self.recorder.max_notification_id() or 0
        streams: dict[UUID, Stream] = {}
        start, read = 1, 0
        while start <= stop:
            batch = self.recorder.select_notifications(start, BATCH, stop=stop)
            if not batch:
                break
            for notification in batch:
                read += 1
                if notification.topic.startswith(PREFIXES):
                    originator = UUID(str(notification.originator_id))
                    stream = streams.setdefault(originator, Stream())
                    self._fold(stream, notification, as_of, notification.id)
            start = batch[-1].id + 1
        return Replayed(as_of, stop, read, streams)

    def replay_one(self, aggregate_ids: list[UUID], as_of: datetime | None) -> Replayed:
        """The same fold for a few streams only (one volunteer and their account)."""
        streams: dict[UUID, Stream] = {}
        for aggregate_id in aggregate_ids:
            stream = streams.setdefault(aggregate_id, Stream())
            for stored in self.recorder.select_events(aggregate_id):
                self._fold(stream, stored, as_of, None)
        return Replayed(as_of, 0, 0, streams)

    def _fold(
        self,
        stream: Stream,
        stored: StoredEvent,
        as_of: datetime | None,
        notification_id: int | None,
    ) -> None:
        if stream.cut:
            return
        event = cast("Aggregate.Event", self.mapper.to_domain_event(stored))
        if as_of is not None and event.timestamp > as_of:
            stream.cut = True
            return
        before = getattr(stream.aggregate, "balance", None)
        stream.aggregate = event.mutate(stream.aggregate)
        if notification_id is not None:
            stream.positions.append(notification_id)
        after = getattr(event, "balance_after", None)
        if isinstance(stream.aggregate, CreditAccount) and after is not None:
            stream.entries.append(
                {
                    "position": notification_id,
                    "type": type(event).__name__,
                    "points": after - (before or Decimal(0)),
                    "balance_after": after,
                    "recorded_at": event.timestamp,
                }
            )


#: A bare date means the end of that day where the district is (China time).
CHINA_TIME = timezone(timedelta(hours=8))


def parse_as_of(text: str) -> datetime:
    """An ISO time with its offset, or a date: "hours on record by 30 November"
    means by the end of 30 November, China time."""
    try:
        if len(text.strip()) == len("2026-11-30"):
            day = date.fromisoformat(text.strip())
            return datetime.combine(day + timedelta(days=1), time(), CHINA_TIME) - (
                timedelta(microseconds=1)
            )
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"not a time with offset or a date: {text!r} "
            "(e.g. 2026-11-30 or 2026-11-30T18:00:00+08:00)"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(f"the time needs an offset: {text!r}")
    return moment


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
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in replayed.star_levels():
        writer.writerow(row)
    return out.getvalue()
