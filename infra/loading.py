"""Loading the aggregates a command needs, all of them in one round trip.

The library's repository asks the event store for newer events once per aggregate,
even when the aggregate is cached; recording hours needs four (unit, volunteer,
policy, account), so four round trips before any decision. Here one query fetches
the events after each cached version (or all events of one not cached) for all of
them. Cached aggregates are fast-forwarded in place under one lock and handed out as
deep copies, so a command that is refused leaves the cache as it was.

An aggregate not cached starts from its latest snapshot (`infra/snapshots.py`), fetched
in the same query, and folds only the events after it."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from copy import deepcopy
from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.application import AggregateNotFoundError, Repository
from eventsourcing.domain import Aggregate

from infra.db import Database
from infra.decoding import EventDecoder
from infra.recorder import EVENTS_TABLE
from infra.snapshots import POLICY, SNAPSHOTS_TABLE, Snapshotter, StaleSnapshot, restore

#: For each id, the events after the cached version; for one not cached, its
#: latest snapshot and the events after that.
EVENTS_AFTER = f"""
WITH wanted AS (
    SELECT * FROM unnest(%s::uuid[], %s::bigint[]) AS w (id, after)
), snapshot AS (
    SELECT DISTINCT ON (s.originator_id)
        s.originator_id, s.originator_version, s.topic, s.state
    FROM wanted
    JOIN {SNAPSHOTS_TABLE} s ON s.originator_id = wanted.id AND wanted.after = 0
    ORDER BY s.originator_id, s.originator_version DESC
)
SELECT true AS snapshot, originator_id, originator_version, topic, state
FROM snapshot
UNION ALL
SELECT false, e.originator_id, e.originator_version, e.topic, e.state
FROM wanted
LEFT JOIN snapshot ON snapshot.originator_id = wanted.id
JOIN {EVENTS_TABLE} e ON e.originator_id = wanted.id
    AND e.originator_version
        > GREATEST(wanted.after, COALESCE(snapshot.originator_version, 0))
ORDER BY originator_id, snapshot DESC, originator_version
"""  # noqa: S608 - constant table names


class AggregateLoader:
    def __init__(
        self, db: Database, repository: Repository[UUID], decoder: EventDecoder
    ):
        self.db = db
        self.repository = repository
        self.decoder = decoder
        self._fastforward = threading.Lock()
        #: Told of aggregates that took many events to fold (set by the store).
        self.snapshotter: Snapshotter | None = None

    def load(self, ids: Sequence[UUID]) -> dict[UUID, Aggregate]:
        """The aggregates as they stand now, as copies a command may change; an id
        with no events is left out."""
        unique = list(dict.fromkeys(ids))
        after = [self._cached_version(i) for i in unique]
        events, restored, stale = self._fetch(unique, after)
        if stale:
            # Snapshots taken by other code: dropped, and their streams read whole
            # (`after` -1 asks for no snapshot).
            for aggregate_id in stale:
                self._forget(aggregate_id)
            whole, _, _ = self._fetch(stale, [-1] * len(stale))
            events.update(whole)
        found: dict[UUID, Aggregate] = {}
        for aggregate_id, asked_after in zip(unique, after, strict=True):
            aggregate = self._fast_forward(
                aggregate_id,
                asked_after,
                events.get(aggregate_id, []),
                restored.get(aggregate_id),
            )
            if aggregate is not None:
                found[aggregate_id] = aggregate
        return found

    def _fetch(
        self, ids: list[UUID], after: list[int]
    ) -> tuple[dict[UUID, list[Any]], dict[UUID, Aggregate], list[UUID]]:
        """The events after each version, the aggregates restored from their
        snapshots, and the ids whose snapshot other code took."""
        events: dict[UUID, list[Any]] = defaultdict(list)
        restored: dict[UUID, Aggregate] = {}
        stale: list[UUID] = []
        for row in self.db.fetch_all(EVENTS_AFTER, (ids, after)):
            aggregate_id = row["originator_id"]
            if row["snapshot"]:
                try:
                    restored[aggregate_id] = self._restored(row)
                except StaleSnapshot:
                    stale.append(aggregate_id)
                continue
            event = self.decoder.event(
                row["topic"],
                aggregate_id,
                row["originator_version"],
                orjson.loads(row["state"]),
            )
            events[aggregate_id].append(event)
        return events, restored, stale

    def _forget(self, aggregate_id: UUID) -> None:
        if self.snapshotter is not None:
            self.snapshotter.forget(aggregate_id)
            self.snapshotter.want([aggregate_id])

    def remember(self, aggregates: Sequence[Aggregate]) -> None:
        """Aggregates whose events just committed are the newest state: cached as
        they are, the next command need not fetch and replay those events again.
        (Never one that is not committed, and never over a newer one.)"""
        cache = self.repository.cache
        if cache is None:
            return
        with self._fastforward:
            for aggregate in aggregates:
                cached = self._cached(aggregate.id)
                if cached is None or cached.version < aggregate.version:
                    cache.put(aggregate.id, aggregate)

    def _cached_version(self, aggregate_id: UUID) -> int:
        cached = self._cached(aggregate_id)
        return cached.version if cached is not None else 0

    def _cached(self, aggregate_id: UUID) -> Aggregate | None:
        cache = self.repository.cache
        if cache is None:
            return None
        try:
            aggregate = cache.get(aggregate_id)
        except KeyError:
            return None
        return cast("Aggregate", aggregate)

    def _fast_forward(
        self,
        aggregate_id: UUID,
        asked_after: int,
        new_events: list[Any],
        restored: Aggregate | None = None,
    ) -> Aggregate | None:
        with self._fastforward:
            aggregate = self._cached(aggregate_id)
            if aggregate is None and asked_after > 0:
                # Evicted since the query: its early events were not fetched.
                return self._rebuilt(aggregate_id)
            # (Cached meanwhile by another thread, perhaps at an older version.)
            if restored is not None and (
                aggregate is None or aggregate.version < restored.version
            ):
                aggregate = restored
            folded = 0
            for event in new_events:
                if aggregate is None or event.originator_version > aggregate.version:
                    aggregate = event.mutate(aggregate)
                    folded += 1
            if aggregate is None:
                return None
            self._snapshot_if_long(aggregate, folded)
            if self.repository.cache is not None:
                self.repository.cache.put(aggregate_id, aggregate)
            return deepcopy(aggregate)

    def _restored(self, row: Any) -> Aggregate:
        stored = orjson.loads(row["state"])  # the library's snapshot's fields
        return cast(
            "Aggregate",
            restore(
                stored["topic"],
                row["originator_id"],
                row["originator_version"],
                stored["state"],
            ),
        )

    def _snapshot_if_long(self, aggregate: Aggregate, folded: int) -> None:
        interval = POLICY.get(type(aggregate))
        if self.snapshotter is not None and interval and folded >= interval:
            self.snapshotter.want([aggregate.id])

    def _rebuilt(self, aggregate_id: UUID) -> Aggregate | None:
        """Through the library's repository (its snapshot, then events)."""
        try:
            aggregate: Aggregate = self.at_version(aggregate_id)
        except AggregateNotFoundError:
            return None
        return aggregate

    def at_version(self, aggregate_id: UUID, version: int | None = None) -> Any:
        """The library's repository, past a snapshot taken by other code: that one
        is dropped (and a new one wanted) and the events folded instead."""
        try:
            return self.repository.get(aggregate_id, version=version)
        except StaleSnapshot:
            if self.snapshotter is None:
                raise
            self.snapshotter.forget(aggregate_id)
            self.snapshotter.want([aggregate_id])
            return self.repository.get(aggregate_id, version=version)
