"""A volunteer's entries, kept compact so that years of service cost a command little.

Each entry is a row of plain values (an id's bytes, instants as integers, units,
hours and activity names as indexes into lists of the distinct ones) and an `Entry`
is made only when one is asked for; the live entries' spans are an interval index of
integers. A command then touches one or two rows whatever the history's length, a
copy of the book copies a few lists and dicts, and a snapshot (`infra/snapshots.py`)
stores the rows as fixed-size binary records: ten thousand entries are half a
megabyte, restored in a few milliseconds."""

from __future__ import annotations

import struct
from array import array
from base64 import b64decode, b64encode
from bisect import bisect_left, insort
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any, Self
from uuid import UUID

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LOCAL_EPOCH = datetime(1970, 1, 1)
MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class TimeSpan:
    started_at: datetime
    ended_at: datetime

    @property
    def minutes(self) -> int:
        return int((self.ended_at - self.started_at).total_seconds() // 60)

    def overlaps(self, other: TimeSpan) -> bool:
        return self.started_at < other.ended_at and other.started_at < self.ended_at


@dataclass(frozen=True)
class Entry:
    record_id: UUID
    unit_id: UUID
    span: TimeSpan
    hours: Decimal
    policy_version: int
    revoked: bool = False
    activity_name: str = ""


#: A row: record id (16 bytes), unit, start and end (microseconds since 1970), UTC
#: offset (seconds), hours, policy version, revoked, activity name. Unit, hours and
#: name are indexes into the book's lists of distinct values (a volunteer serves a
#: few units, mostly the same hours). Rows are replaced, never changed in place.
Row = tuple[bytes, int, int, int, int, int, int, bool, int]
ROW = struct.Struct("<16sIqqiHH?I")
#: A live span in the index: start, end, record id.
Span = tuple[int, int, bytes]


def _micros(at: datetime) -> int:
    return (at - EPOCH) // MICROSECOND


def _instant(micros: int, offset: int) -> datetime:
    """From the local time: an instant of year 1 at +14:00 (stored before instants
    were bounded) has no UTC time that `datetime` can hold."""
    local = LOCAL_EPOCH + (micros + offset * 1_000_000) * MICROSECOND
    return local.replace(tzinfo=_zone(offset))


@lru_cache(maxsize=64)
def _zone(offset: int) -> timezone:
    return UTC if offset == 0 else timezone(timedelta(seconds=offset))


class _Distinct:
    """Values stored once, rows holding their index."""

    __slots__ = ("index", "values")

    def __init__(self, values: list[Any] | None = None) -> None:
        self.values: list[Any] = values or []
        self.index = {value: n for n, value in enumerate(self.values)}

    def of(self, value: Any) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.values)
            self.values.append(value)
        return found

    def copy(self) -> _Distinct:
        clone = object.__new__(_Distinct)
        clone.values, clone.index = self.values.copy(), self.index.copy()
        return clone


class EntryBook(Mapping[UUID, Entry]):
    """Entries by record id, with the live ones' total hours and interval index."""

    __slots__ = (
        "_at",
        "_hours",
        "_live",
        "_live_hours",
        "_names",
        "_owned",
        "_rows",
        "_units",
    )

    def __init__(self) -> None:
        self._rows: list[Row] = []
        self._at: dict[bytes, int] = {}
        self._units = _Distinct()
        self._hours = _Distinct()
        self._names = _Distinct()
        #: The live entries' spans sorted by start. Live entries never overlap, so
        #: their ends are sorted too, and an overlap check looks at one or two
        #: neighbours instead of every entry.
        self._live: list[Span] = []
        self._live_hours = Decimal(0)
        #: False while the containers are shared with a copy: copied before a change.
        self._owned = True

    # -- reading ------------------------------------------------------------

    def __getitem__(self, record_id: UUID) -> Entry:
        return self._entry(self._rows[self._at[record_id.bytes]])

    def __contains__(self, record_id: object) -> bool:
        return isinstance(record_id, UUID) and record_id.bytes in self._at

    def __iter__(self) -> Iterator[UUID]:
        return (UUID(bytes=row[0]) for row in self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"EntryBook({len(self._rows)} entries, {len(self._live)} live)"

    def live(self) -> list[Entry]:
        return [self._entry(row) for row in self._rows if not row[7]]

    @property
    def live_hours(self) -> Decimal:
        return self._live_hours

    def live_spans(self) -> list[tuple[int, int, UUID]]:
        """The interval index: start, end (microseconds since 1970), record id."""
        return [(start, end, UUID(bytes=rid)) for start, end, rid in self._live]

    def overlapping(self, span: TimeSpan, ignoring: UUID | None = None) -> Entry | None:
        """The live entry that overlaps `span`, if any, other than `ignoring`. The
        live entry that starts last before `span` ends has the latest end of those:
        only it can overlap, or the one before it when it is the one ignored."""
        start, end = _micros(span.started_at), _micros(span.ended_at)
        skipped = ignoring.bytes if ignoring is not None else None
        before_end = bisect_left(self._live, (end,))
        for index in range(before_end - 1, max(before_end - 3, -1), -1):
            _, ended, record_id = self._live[index]
            if record_id == skipped:
                continue
            if ended > start:
                return self._entry(self._rows[self._at[record_id]])
            return None
        return None

    def _entry(self, row: Row) -> Entry:
        record_id, unit, start, end, offset, hours, version, revoked, name = row
        return Entry(
            UUID(bytes=record_id),
            self._units.values[unit],
            TimeSpan(_instant(start, offset), _instant(end, offset)),
            Decimal(self._hours.values[hours]),
            version,
            revoked,
            self._names.values[name],
        )

    # -- changing -----------------------------------------------------------

    def put(self, entry: Entry) -> None:
        """Adds the entry, or replaces the one with its record id."""
        if not self._owned:
            self._own()
        row = self._row(entry)
        at = self._at.get(row[0])
        if at is None:
            self._at[row[0]] = len(self._rows)
            self._rows.append(row)
        else:
            self._unindex(self._rows[at])
            self._rows[at] = row
        if not entry.revoked:
            insort(self._live, (row[2], row[3], row[0]))
            self._live_hours += entry.hours

    def _row(self, entry: Entry) -> Row:
        started_at = entry.span.started_at
        offset = started_at.utcoffset()
        return (
            entry.record_id.bytes,
            self._units.of(entry.unit_id),
            _micros(started_at),
            _micros(entry.span.ended_at),
            int(offset.total_seconds()) if offset is not None else 0,
            self._hours.of(str(entry.hours)),
            entry.policy_version,
            entry.revoked,
            self._names.of(entry.activity_name),
        )

    def _unindex(self, row: Row) -> None:
        if row[7]:
            return
        key = (row[2], row[3], row[0])
        index = bisect_left(self._live, key)
        if index < len(self._live) and self._live[index] == key:
            del self._live[index]
        self._live_hours -= Decimal(self._hours.values[row[5]])

    # -- copies and snapshots -------------------------------------------------

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        """A copy sharing the containers until either side changes: a command
        copies the aggregates it loads, and most never touch the old entries."""
        clone = object.__new__(type(self))
        for name in self.__slots__:
            setattr(clone, name, getattr(self, name))
        clone._owned = self._owned = False
        return clone

    def _own(self) -> None:
        self._rows = self._rows.copy()
        self._at = self._at.copy()
        self._units = self._units.copy()
        self._hours = self._hours.copy()
        self._names = self._names.copy()
        self._live = self._live.copy()
        self._owned = True

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EntryBook):
            return self.entries() == other.entries() and self._live == other._live
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def entries(self) -> list[Entry]:
        return [self._entry(row) for row in self._rows]

    def packed(self) -> dict[str, Any]:
        """Plain values, as a snapshot stores them: the rows as fixed-size binary
        records (base64), the live index as the rows' order by start."""
        position = {row[0]: n for n, row in enumerate(self._rows)}
        order = array("I", (position[rid] for _, _, rid in self._live))
        return {
            "rows": b64encode(b"".join(ROW.pack(*row) for row in self._rows)).decode(),
            "live": b64encode(order.tobytes()).decode(),
            "units": [unit.hex for unit in self._units.values],
            "hours": self._hours.values,
            "names": self._names.values,
            "live_hours": str(self._live_hours),
        }

    @classmethod
    def unpacked(cls, packed: dict[str, Any]) -> Self:
        book = cls()
        rows = book._rows = list(ROW.iter_unpack(b64decode(packed["rows"])))
        book._at = {row[0]: n for n, row in enumerate(rows)}
        order = array("I")
        order.frombytes(b64decode(packed["live"]))
        book._live = [(rows[n][2], rows[n][3], rows[n][0]) for n in order]
        book._units = _Distinct([UUID(hex=unit) for unit in packed["units"]])
        book._hours = _Distinct(packed["hours"])
        book._names = _Distinct(packed["names"])
        book._live_hours = Decimal(packed["live_hours"])
        return book
