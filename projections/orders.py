"""The order board (五单): one row per order with the time of each step."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any, ClassVar

from domain.order import ServiceOrder
from domain.resident import OrderChannel
from projections.base import Projection, Tx, event_class


class OrdersProjection(Projection):
    name: ClassVar[str] = "orders"
    version: ClassVar[int] = 4
    ddl: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS orders (
        id uuid PRIMARY KEY,
        state text NOT NULL,
        resident_id uuid NOT NULL,
        station_id uuid NOT NULL,
        category text NOT NULL,
        subcategory text,
        title text NOT NULL,
        description text NOT NULL,
        address text NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        team_id uuid,
        project_id uuid,
        dispatched_to uuid[] NOT NULL DEFAULT '{}',
        accepted_by uuid[] NOT NULL DEFAULT '{}',
        participants uuid[] NOT NULL DEFAULT '{}',
        stars integer,
        comment text,
        reward_points numeric,
        last_reason text,
        placed_at timestamptz NOT NULL,
        channel text NOT NULL DEFAULT 'self',
        reviewed_at timestamptz,
        dispatched_at timestamptz,
        accepted_at timestamptz,
        started_at timestamptz,
        completed_at timestamptz,
        evaluated_at timestamptz,
        rewarded_at timestamptz,
        closed_at timestamptz,
        position bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS orders_station_state ON orders (station_id, state);
    CREATE INDEX IF NOT EXISTS orders_project ON orders (project_id)
        WHERE project_id IS NOT NULL;
    -- Every change of state with its instant: the funnel as of any instant.
    CREATE TABLE IF NOT EXISTS order_steps (
        order_id uuid NOT NULL,
        state text NOT NULL,
        at timestamptz NOT NULL,
        position bigint NOT NULL,
        PRIMARY KEY (order_id, position)
    );
    """

    @singledispatchmethod
    def apply(self, event: object, tx: Tx) -> None:
        """Other events are passed over."""

    @apply.register(event_class(ServiceOrder, "Placed"))
    def _placed(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO orders (id, state, resident_id, station_id, category, "
            "subcategory, title, description, address, window_start, window_end, "
            "placed_at, channel, position) "
            "VALUES (%s, 'placed', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                event.originator_id,
                event.resident_id,
                event.station_id,
                event.category,
                event.subcategory,
                event.title,
                event.description,
                event.address,
                event.window_start,
                event.window_end,
                event.timestamp,
                # Orders placed before needs were taken on residents' behalf
                # have no channel: their residents placed them.
                getattr(event, "channel", OrderChannel.SELF),
                tx.position,
            ),
        )
        self._step(tx, event, "placed")

    @apply.register(event_class(ServiceOrder, "Reviewed"))
    def _reviewed(self, event: Any, tx: Tx) -> None:
        state = "reviewed" if event.accepted else "rejected"
        self._step(tx, event, state)
        self._update(
            tx,
            event,
            "state = %s, reviewed_at = %s, last_reason = nullif(%s, ''), "
            "closed_at = CASE WHEN %s THEN NULL ELSE %s END",
            (state, event.timestamp, event.reason, event.accepted, event.timestamp),
        )

    @apply.register(event_class(ServiceOrder, "Dispatched"))
    def _dispatched(self, event: Any, tx: Tx) -> None:
        self._step(tx, event, "open" if event.open_for_claiming else "dispatched")
        self._update(
            tx,
            event,
            "state = %s, team_id = %s, project_id = %s, dispatched_to = %s, "
            "dispatched_at = %s",
            (
                "open" if event.open_for_claiming else "dispatched",
                event.team_id,
                getattr(event, "project_id", None),
                list(event.volunteer_ids),
                event.timestamp,
            ),
        )

    @apply.register(event_class(ServiceOrder, "Accepted"))
    def _accepted(self, event: Any, tx: Tx) -> None:
        self._step(tx, event, "accepted")
        self._update(
            tx,
            event,
            "state = 'accepted', accepted_at = coalesce(accepted_at, %s), "
            "accepted_by = CASE WHEN %s::uuid IS NULL THEN accepted_by "
            "ELSE array_append(accepted_by, %s::uuid) END",
            (event.timestamp, event.volunteer_id, event.volunteer_id),
        )

    @apply.register(event_class(ServiceOrder, "Declined"))
    def _declined(self, event: Any, tx: Tx) -> None:
        if event.back_to_dispatch:
            self._step(tx, event, "reviewed")
            change = (
                "state = 'reviewed', team_id = NULL, dispatched_to = '{}', "
                "last_reason = %s"
            )
            self._update(tx, event, change, (event.reason,))
        else:
            self._update(
                tx,
                event,
                "dispatched_to = array_remove(dispatched_to, %s::uuid), "
                "last_reason = %s",
                (event.volunteer_id, event.reason),
            )

    @apply.register(event_class(ServiceOrder, "Started"))
    def _started(self, event: Any, tx: Tx) -> None:
        self._step(tx, event, "started")
        self._update(
            tx, event, "state = 'started', started_at = %s", (event.timestamp,)
        )

    @apply.register(event_class(ServiceOrder, "Completed"))
    def _completed(self, event: Any, tx: Tx) -> None:
        self._step(tx, event, "completed")
        self._update(
            tx,
            event,
            "state = 'completed', completed_at = %s, participants = %s",
            (event.timestamp, [p["volunteer_id"] for p in event.participants]),
        )

    @apply.register(event_class(ServiceOrder, "Evaluated"))
    def _evaluated(self, event: Any, tx: Tx) -> None:
        self._step(tx, event, "evaluated")
        self._update(
            tx,
            event,
            "state = 'evaluated', evaluated_at = %s, stars = %s, comment = %s",
            (event.timestamp, event.stars, event.comment),
        )

    @apply.register(event_class(ServiceOrder, "Rewarded"))
    def _rewarded(self, event: Any, tx: Tx) -> None:
        self._step(tx, event, "rewarded")
        self._update(
            tx,
            event,
            "state = 'rewarded', rewarded_at = %s, closed_at = %s, reward_points = %s",
            (event.timestamp, event.timestamp, event.points),
        )

    @apply.register(event_class(ServiceOrder, "Cancelled"))
    def _cancelled(self, event: Any, tx: Tx) -> None:
        self._step(tx, event, "cancelled")
        self._update(
            tx,
            event,
            "state = 'cancelled', closed_at = %s, last_reason = %s",
            (event.timestamp, event.reason),
        )

    @staticmethod
    def _step(tx: Tx, event: Any, state: str) -> None:
        tx.execute(
            "INSERT INTO order_steps (order_id, state, at, position) "
            "VALUES (%s, %s, %s, %s)",
            (event.originator_id, state, event.timestamp, tx.position),
        )

    @staticmethod
    def _update(tx: Tx, event: Any, assignments: str, params: tuple[Any, ...]) -> None:
        tx.execute(
            f"UPDATE orders SET {assignments}, position = %s WHERE id = %s",  # noqa: S608
            (*params, tx.position, event.originator_id),
        )
