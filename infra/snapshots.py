"""Snapshots: an aggregate's state at a version, so that loading it folds only the
events after that version instead of its whole history.

A snapshot is the library's `Snapshot` (kept in its snapshot store, the
`vledger_snapshots` table) whose state is packed into plain JSON values here: ids,
amounts, instants and records tagged by type, and what a domain class packs itself
(a volunteer's `EntryBook`) stored as it packs it, so that restoring ten thousand
entries is one JSON parse, not ten thousand objects.

Snapshots are a cache of the event log, never a source of truth: the audit, replays
and the read models read events only, and a snapshot taken by other code (another
`fingerprint` of the domain) is ignored and dropped. Which aggregates are
snapshotted, and how often, is `POLICY`: one is taken in the background (never on a
request's path) when a committed event's version is a multiple of the interval, and
when a load had to fold at least that many events."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

import domain
from domain.account import CreditAccount
from domain.catalog import CatalogItem
from domain.volunteer import Volunteer

log = logging.getLogger(__name__)

#: Aggregate type -> take a snapshot every this many events. These are the streams
#: that grow without end: a volunteer serving for years (and its points account),
#: a popular catalog item. Folding a hundred events costs about 2 ms.
POLICY: dict[type[Aggregate], int] = {
    Volunteer: 100,
    CreditAccount: 100,
    CatalogItem: 100,
}
_INTERVAL_BY_TOPIC = {get_topic(cls): interval for cls, interval in POLICY.items()}
#: One aggregate is snapshotted at most this often (see `Snapshotter`).
SPACING_SECONDS = 5.0
#: How long stopping takes snapshots still wanted; the rest wait for a later load.
STOP_SECONDS = 10.0
#: Aggregates whose last snapshot time is kept in mind.
MAX_REMEMBERED = 100_000
#: The library's snapshot store, as its factory names it for this application.
SNAPSHOTS_TABLE = "vledger_snapshots"
#: The library's bookkeeping, not state: restored from the snapshot's own fields.
OWN = ("_id", "_version", "_pending_events")


def _fingerprint() -> str:
    """The domain's code and this packing: a snapshot taken by other code than
    this is not trusted, since an aggregate's attributes may have changed."""
    digest = hashlib.sha256()
    for path in sorted(Path(domain.__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


FINGERPRINT = _fingerprint()


class StaleSnapshot(Exception):
    """A snapshot taken by other code: fold the events instead."""


class Packable(Protocol):
    """A domain value that packs itself into plain JSON values (`EntryBook`)."""

    def packed(self) -> Any: ...


# -- packing values -------------------------------------------------------------


def pack(value: Any) -> Any:
    if isinstance(value, Enum):  # first: a StrEnum is a str too
        return {"$e": [get_topic(type(value)), value.value]}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, UUID):
        return {"$u": value.hex}
    if isinstance(value, datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, date):
        return {"$D": value.isoformat()}
    if isinstance(value, list):
        return [pack(item) for item in value]
    if isinstance(value, tuple):
        return {"$T": [pack(item) for item in value]}
    if isinstance(value, set | frozenset):
        return {"$s": [pack(item) for item in value]}
    if isinstance(value, dict):
        if all(isinstance(k, str) and _plain(v) for k, v in value.items()):
            return {"$j": value}
        return {"$m": [[pack(k), pack(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {
            f.name: pack(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
        return {"$r": [get_topic(type(value)), fields]}
    if callable(getattr(value, "packed", None)):
        return {"$p": [get_topic(type(value)), value.packed()]}
    raise TypeError(f"cannot snapshot a {type(value).__name__}")


def _plain(value: Any) -> bool:
    """Text or a whole number (not an enum): JSON keeps it as it is."""
    return isinstance(value, str | int) and not isinstance(value, Enum)


def unpack(value: Any) -> Any:
    if isinstance(value, list):
        return [unpack(item) for item in value]
    if not isinstance(value, dict):
        return value
    ((tag, data),) = value.items()
    return _UNPACK[tag](data)


def _enum(data: list[Any]) -> Enum:
    cls = resolve_topic(data[0])
    return cls(data[1])  # type: ignore[no-any-return]


def _record(data: list[Any]) -> Any:
    cls = resolve_topic(data[0])
    return cls(**{name: unpack(v) for name, v in data[1].items()})


def _packed(data: list[Any]) -> Any:
    return resolve_topic(data[0]).unpacked(data[1])


_UNPACK: dict[str, Callable[[Any], Any]] = {
    "$e": _enum,
    "$d": Decimal,
    "$u": lambda hex_: UUID(hex=hex_),
    "$t": datetime.fromisoformat,
    "$D": date.fromisoformat,
    "$T": lambda items: tuple(unpack(i) for i in items),
    "$s": lambda items: {unpack(i) for i in items},
    "$j": lambda plain: plain,
    "$m": lambda pairs: {unpack(k): unpack(v) for k, v in pairs},
    "$r": _record,
    "$p": _packed,
}


# -- the snapshot ---------------------------------------------------------------


class PackedSnapshot(Snapshot):
    """The library's snapshot, with the aggregate's state packed by `pack`."""

    @classmethod
    def take(cls, aggregate: Any) -> PackedSnapshot:
        attributes = {k: pack(v) for k, v in vars(aggregate).items() if k not in OWN}
        return cls(
            originator_id=aggregate.id,
            originator_version=aggregate.version,
            timestamp=cls.create_timestamp(),
            topic=get_topic(type(aggregate)),
            state={"fingerprint": FINGERPRINT, "attributes": attributes},
        )

    def mutate(self, _: Any) -> Any:
        return restore(
            self.topic, self.originator_id, self.originator_version, self.state
        )


def restore(
    topic: str, aggregate_id: UUID, version: int, state: Mapping[str, Any]
) -> Any:
    """The aggregate a snapshot's state packs; `StaleSnapshot` when other code
    took it."""
    if state.get("fingerprint") != FINGERPRINT:
        raise StaleSnapshot(f"snapshot of {aggregate_id} at {version}")
    attributes = {k: unpack(v) for k, v in state["attributes"].items()}
    attributes.update(_id=aggregate_id, _version=version, _pending_events=[])
    aggregate = object.__new__(resolve_topic(topic))
    aggregate.__dict__.update(attributes)
    return aggregate


def due(events: Iterable[Any]) -> set[UUID]:
    """Aggregates whose committed `events` reached a multiple of their interval."""
    found = set()
    for event in events:
        if isinstance(event, StoredEvent):  # a bulk import's row
            interval = _INTERVAL_BY_TOPIC.get(event.topic.rpartition(".")[0])
            if interval and event.originator_version % interval == 0:
                found.add(UUID(str(event.originator_id)))
            continue
        for cls, interval in POLICY.items():
            if isinstance(event, cls.Event):
                if event.originator_version % interval == 0:
                    found.add(event.originator_id)
                break
    return found


# -- taking them in the background ---------------------------------------------


class SnapshotStore(Protocol):
    """Where snapshots are kept (the library's snapshot store) and pruned."""

    def put(self, snapshot: PackedSnapshot) -> None: ...

    def forget(self, aggregate_id: UUID) -> None: ...


class Snapshotter:
    """Takes snapshots on a thread of its own: `wanted` ids are loaded as they
    stand (so a snapshot is always of committed state) and stored.

    One aggregate is snapshotted at most once every `spacing` seconds: an import
    of ten thousand entries for one volunteer wants one every hundred events, and
    each costs the whole state, so later wants wait and coalesce into one. Stopping
    takes what is still wanted at once, so a restart finds them."""

    def __init__(
        self,
        load: Callable[[UUID], Aggregate | None],
        store: SnapshotStore,
        spacing: float = SPACING_SECONDS,
        stop_seconds: float = STOP_SECONDS,
    ) -> None:
        self._load = load
        self._store = store
        self._spacing = spacing
        self._stop_seconds = stop_seconds
        #: Wanted ids and when each may be taken; when each was last taken.
        self._due: dict[UUID, float] = {}
        self._last: dict[UUID, float] = {}
        self._taking = False
        self._stopping = False
        #: Stopped before taking all it wanted: the storage may be closing.
        self._abandoned = False
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        #: Snapshots stored since start.
        self.taken = 0

    def want(self, aggregate_ids: Iterable[UUID]) -> None:
        now = time.monotonic()
        with self._changed:
            for aggregate_id in aggregate_ids:
                if aggregate_id not in self._due:
                    last = self._last.get(aggregate_id, -self._spacing)
                    self._due[aggregate_id] = max(now, last + self._spacing)
            if self._due and self._thread is None and not self._stopping:
                self._thread = threading.Thread(
                    target=self._run, name="snapshots", daemon=True
                )
                self._thread.start()
            self._changed.notify()

    def stop(self) -> None:
        """Takes what is still wanted for up to `stop_seconds`, then leaves the
        rest (a later load that folds many events wants them again)."""
        with self._changed:
            self._stopping = True
            thread = self._thread
            self._changed.notify()
        if thread is None:
            return
        thread.join(timeout=self._stop_seconds)
        with self._changed:
            if thread.is_alive():
                self._abandoned = True
                left, self._due = len(self._due), {}
                log.info("stopping: %d snapshots left for later loads to want", left)

    def forget(self, aggregate_id: UUID) -> None:
        """Drops the aggregate's snapshots (taken by other code)."""
        self._store.forget(aggregate_id)

    def idle(self) -> bool:
        with self._changed:
            return not self._due and not self._taking

    def _run(self) -> None:
        while (aggregate_id := self._next()) is not None:
            try:
                self._take(aggregate_id)
            except Exception:
                if self._abandoned:  # the storage closed under it
                    return
                log.exception(
                    "snapshot of %s failed; its events are folded", aggregate_id
                )
            with self._changed:
                self._taking = False
                if len(self._last) > MAX_REMEMBERED:
                    self._last.clear()
                self._last[aggregate_id] = time.monotonic()

    def _next(self) -> UUID | None:
        """The id due first, once it is due (at once when stopping)."""
        with self._changed:
            while True:
                if self._abandoned:
                    self._thread = None
                    return None
                if not self._due:
                    if self._stopping:
                        self._thread = None
                        return None
                    self._changed.wait()
                    continue
                aggregate_id, due = min(self._due.items(), key=lambda item: item[1])
                wait = due - time.monotonic()
                if wait <= 0 or self._stopping:
                    del self._due[aggregate_id]
                    self._taking = True
                    return aggregate_id
                self._changed.wait(wait)

    def _take(self, aggregate_id: UUID) -> None:
        aggregate = self._load(aggregate_id)
        if aggregate is None or type(aggregate) not in POLICY:
            return
        self._store.put(PackedSnapshot.take(aggregate))
        self.taken += 1
