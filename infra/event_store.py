"""The event store: the library's `Application` wrapped in one object that loads
aggregates and saves their events, with side writes, in one transaction.

On Postgres (production and the integration tests) the recorder adds side writes
and the audit hash chain to the events' transaction, several aggregates load in one
round trip (`infra/loading.py`), and concurrent saves share a commit
(`infra/group_commit.py`). On the library's in-memory recorder (the fast use-case
tests) aggregates load one by one and side writes are handed to `side_write_sinks`
once their events are saved."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    Repository,
)
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    ApplicationRecorder,
    IntegrityError,
    JSONTranscoder,
    Mapper,
    Notification,
    StoredEvent,
    Transcoder,
)

from infra.db import Database
from infra.decoding import EventDecoder, FastJSONTranscoder
from infra.group_commit import GroupCommitter
from infra.loading import AggregateLoader
from infra.recorder import EVENTS_TABLE, DateAsISO, LedgerRecorder, SideWrite
from infra.snapshots import SNAPSHOTS_TABLE, PackedSnapshot, Snapshotter, due

#: Events in one save from which COPY writes them (an import's chunks; commands'
#: saves are far smaller).
BULK_EVENTS = 500
#: Aggregates by id, as `EventStore.load` found them.
Loaded = dict[UUID, Aggregate]
IN_MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


class _Library(Application[UUID]):
    """The library's application, for its wiring only: the recorder, the mapper,
    the repository and its cache. Use cases never see it."""

    name = "vledger"

    def construct_recorder(self) -> ApplicationRecorder:
        datastore = getattr(self.factory, "datastore", None)
        if datastore is None:  # the in-memory recorder
            return super().construct_recorder()
        # psycopg forgets to unregister a statement prepared in a pipeline that
        # then failed, so the connection's next insert asks for a statement the
        # server never kept ("prepared statement _pg3_3 does not exist"); a failed
        # group commit hits that at once. Event-store connections do not prepare.
        datastore.pool.kwargs["prepare_threshold"] = None
        datastore.pool.drain()
        ledger_recorder = LedgerRecorder(
            datastore=datastore, events_table_name=EVENTS_TABLE
        )
        ledger_recorder.create_table()
        ledger_recorder.seal_unchained()
        return ledger_recorder

    def construct_transcoder(self) -> Transcoder:
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())


class SideWriteSink(Protocol):
    """Where the in-memory store hands the side writes of a save that succeeded."""

    def __call__(self, side_writes: Sequence[SideWrite]) -> None: ...


class EventStore:
    def __init__(
        self,
        env: dict[str, str],
        db: Database | None = None,
        group_commit: bool = True,
    ) -> None:
        self._library = _Library(env)
        self.db = db
        self.loader = (
            AggregateLoader(db, self._library.repository, self.decoder)
            if db is not None
            else None
        )
        self.committer = GroupCommitter(self._insert) if group_commit else None
        #: Takes snapshots in the background (with Postgres and its snapshot store).
        self.snapshotter: Snapshotter | None = None
        if db is not None and self.loader is not None and self._library.snapshots:
            self.snapshotter = Snapshotter(self._latest, self)
            self.loader.snapshotter = self.snapshotter
            _store_uncompressed(db)
        #: Saves of this many events or more are written by COPY.
        self.bulk_events = BULK_EVENTS
        #: Called with the position of each save, once it committed.
        self.save_listeners: list[Callable[[int], None]] = []
        self.side_write_sinks: list[SideWriteSink] = []

    @classmethod
    def in_memory(cls) -> EventStore:
        return cls(IN_MEMORY, group_commit=False)

    def close(self) -> None:
        if self.committer is not None:
            self.committer.stop()
        if self.snapshotter is not None:
            self.snapshotter.stop()
        self._library.close()

    @property
    def mapper(self) -> Mapper[UUID]:
        return self._library.mapper

    @cached_property
    def decoder(self) -> EventDecoder:
        """Stored events back into domain events, faster than the mapper."""
        return EventDecoder(self._library.mapper)

    @property
    def repository(self) -> Repository[UUID]:
        """The library's repository: aggregate by aggregate (benchmarks compare)."""
        return self._library.repository

    @property
    def recorder(self) -> ApplicationRecorder:
        return self._library.recorder

    def max_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    def notifications(self, after: int, limit: int) -> Sequence[Notification]:
        return self.recorder.select_notifications(
            start=after, limit=limit, inclusive_of_start=False
        )

    # -- loading -----------------------------------------------------------------

    def load(self, *ids: UUID) -> Loaded:
        """The aggregates as they stand now, as copies a command may change; an
        id with no events is left out."""
        if self.loader is not None:
            return self.loader.load(ids)
        found: Loaded = {}
        for aggregate_id in dict.fromkeys(ids):
            try:
                found[aggregate_id] = self._library.repository.get(aggregate_id)
            except AggregateNotFoundError:
                continue
        return found

    def existing(self, ids: Iterable[UUID]) -> list[UUID]:
        """Those of `ids` that have events (one indexed look each)."""
        return [
            aggregate_id
            for aggregate_id in ids
            if self.recorder.select_events(aggregate_id, limit=1)
        ]

    def _latest(self, aggregate_id: UUID) -> Aggregate | None:
        return self.load(aggregate_id).get(aggregate_id)

    # -- snapshots (infra/snapshots.py) --------------------------------------------

    def put(self, snapshot: PackedSnapshot) -> None:
        """Keeps the snapshot and drops the aggregate's older ones."""
        snapshots = self._library.snapshots
        if snapshots is None or self.db is None:
            return
        try:
            snapshots.put([snapshot])
        except IntegrityError:
            return  # another process took this very one
        self.db.execute(
            f"DELETE FROM {SNAPSHOTS_TABLE} "  # noqa: S608 - constant table name
            "WHERE originator_id = %s AND originator_version < %s",
            (snapshot.originator_id, snapshot.originator_version),
        )

    def forget(self, aggregate_id: UUID) -> None:
        if self.db is not None:
            self.db.execute(
                f"DELETE FROM {SNAPSHOTS_TABLE} WHERE originator_id = %s",  # noqa: S608
                (aggregate_id,),
            )

    def at_version(self, aggregate_id: UUID, version: int) -> Any:
        """An aggregate as it stood at `version` (a certificate's record)."""
        if self.loader is not None:
            return self.loader.at_version(aggregate_id, version)
        return self._library.repository.get(aggregate_id, version=version)

    # -- saving ------------------------------------------------------------------

    def save(
        self,
        aggregates: Sequence[Aggregate],
        side_writes: Sequence[SideWrite] = (),
        collected: Sequence[Any] = (),
    ) -> int:
        """Commits the aggregates' new events, then the events already `collected`,
        with the side writes (with concurrent saves when grouping), and returns the
        position of the last event once its transaction committed. Raises the
        library's IntegrityError when another writer saved one of the aggregates
        first."""
        events = [event for a in aggregates for event in a.collect_events()]
        position = self._commit([*events, *collected], side_writes)
        if self.loader is not None:
            self.loader.remember(aggregates)
        return position

    def _commit(
        self, events: Sequence[Any], side_writes: Sequence[SideWrite] = ()
    ) -> int:
        """Commits events already collected from their aggregates; tells the save
        listeners."""
        batch, writes = list(events), list(side_writes)
        if self.committer is not None:
            position = self.committer.commit(batch, writes)
        else:
            position = max(self._insert(batch, writes), default=0)
        for listener in self.save_listeners:
            listener(position)
        if self.snapshotter is not None:
            self.snapshotter.want(due(batch))
        return position

    def stored(
        self,
        event_class: type,
        originator_id: UUID,
        version: int,
        state: dict[str, Any],
    ) -> StoredEvent:
        """An event as the mapper stores it, from its attributes (`state`, without
        its id and version): a bulk import builds its rows so. The event object is
        only filled in, not constructed (no checks, no mutation), as `EventDecoder`
        makes them, and the library's mapper stores it as any other."""
        event: Any = object.__new__(event_class)
        attributes = {"originator_id": originator_id, "originator_version": version}
        object.__setattr__(event, "__dict__", attributes | state)
        return self._library.mapper.to_stored_event(event)

    def _insert(
        self, events: Sequence[Any], side_writes: Sequence[SideWrite]
    ) -> list[int]:
        """`Application.save` for events already collected (or already stored),
        without its per-object protocol checks: `isinstance` against a
        runtime-checkable Protocol cost a fifth of a bulk import's time. A batch of
        `BULK_EVENTS` or more (an import's chunk) is written by COPY. (No snapshots
        or `_notify` hooks here.)"""
        to_stored = self._library.mapper.to_stored_event
        stored = [e if type(e) is StoredEvent else to_stored(e) for e in events]
        recorder = self._library.recorder
        if len(stored) >= self.bulk_events and isinstance(recorder, LedgerRecorder):
            positions = recorder.copy_events(stored, side_writes=side_writes)
        else:
            ids = recorder.insert_events(stored, side_writes=list(side_writes))
            positions = list(ids or ())
        for sink in self.side_write_sinks:
            sink(side_writes)
        return positions


def _store_uncompressed(db: Database) -> None:
    """A snapshot is read whole on a cold load: stored as it is, Postgres need not
    decompress half a megabyte each time (a fifth of a cold load)."""
    row = db.fetch_one(
        "SELECT attstorage FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attname = 'state'",
        (SNAPSHOTS_TABLE,),
    )
    if row is not None and row["attstorage"] != "e":
        db.execute(
            f"ALTER TABLE {SNAPSHOTS_TABLE} ALTER COLUMN state SET STORAGE EXTERNAL"
        )
