"""The credit supermarket's catalog per station, redemptions, and kiosk devices."""

from __future__ import annotations

import json
from functools import singledispatchmethod
from typing import Any, ClassVar

from domain.catalog import CatalogItem
from domain.kiosk import Kiosk
from domain.redemption import Redemption
from projections.base import Projection, Tx, event_class


class CatalogProjection(Projection):
    name: ClassVar[str] = "catalog"
    ddl: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS catalog_items (
        id uuid PRIMARY KEY,
        station_id uuid NOT NULL,
        name text NOT NULL,
        price_points numeric NOT NULL,
        stock integer NOT NULL,
        daily_limit integer,
        position bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS catalog_items_station ON catalog_items (station_id);
    CREATE TABLE IF NOT EXISTS redemptions (
        id uuid PRIMARY KEY,
        volunteer_id uuid NOT NULL,
        station_id uuid NOT NULL,
        lines jsonb NOT NULL,
        points numeric NOT NULL,
        state text NOT NULL,
        expires_at timestamptz,
        placed_at timestamptz NOT NULL,
        position bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS redemptions_held ON redemptions (state, expires_at);
    CREATE TABLE IF NOT EXISTS kiosks (
        id uuid PRIMARY KEY,
        station_id uuid NOT NULL,
        name text NOT NULL,
        active boolean NOT NULL,
        registered_at timestamptz NOT NULL,
        registered_by text NOT NULL,
        retired_at timestamptz,
        retired_reason text,
        position bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS kiosks_station ON kiosks (station_id);
    """

    @singledispatchmethod
    def apply(self, event: object, tx: Tx) -> None:
        """Other events are passed over."""

    @apply.register(event_class(CatalogItem, "Listed"))
    def _listed(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO catalog_items (id, station_id, name, price_points, stock, "
            "daily_limit, position) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                event.originator_id,
                event.station_id,
                event.name,
                event.price_points,
                event.stock,
                event.daily_limit,
                tx.position,
            ),
        )

    @apply.register(event_class(CatalogItem, "PriceChanged"))
    def _price_changed(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE catalog_items SET price_points = %s, position = %s WHERE id = %s",
            (event.price_points, tx.position, event.originator_id),
        )

    @apply.register(event_class(CatalogItem, "Restocked"))
    @apply.register(event_class(CatalogItem, "StockReserved"))
    @apply.register(event_class(CatalogItem, "StockReleased"))
    def _stock(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE catalog_items SET stock = %s, position = %s WHERE id = %s",
            (event.stock_after, tx.position, event.originator_id),
        )

    @apply.register(event_class(Kiosk, "Registered"))
    def _kiosk_registered(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO kiosks (id, station_id, name, active, registered_at, "
            "registered_by, position) VALUES (%s, %s, %s, true, %s, %s, %s)",
            (
                event.originator_id,
                event.station_id,
                event.name,
                event.timestamp,
                event.actor,
                tx.position,
            ),
        )

    @apply.register(event_class(Kiosk, "Retired"))
    def _kiosk_retired(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE kiosks SET active = false, retired_at = %s, retired_reason = %s, "
            "position = %s WHERE id = %s",
            (event.timestamp, event.reason, tx.position, event.originator_id),
        )

    @apply.register(event_class(Redemption, "Placed"))
    def _placed(self, event: Any, tx: Tx) -> None:
        lines = [
            {
                **line,
                "item_id": str(line["item_id"]),
                "unit_price": str(line["unit_price"]),
                "points": str(line["points"]),
            }
            for line in event.lines
        ]
        tx.execute(
            "INSERT INTO redemptions (id, volunteer_id, station_id, lines, points, "
            "state, expires_at, placed_at, position) "
            "VALUES (%s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s)",
            (
                event.originator_id,
                event.volunteer_id,
                event.station_id,
                json.dumps(lines, ensure_ascii=False),
                event.points,
                "held" if event.held else "committed",
                event.expires_at,
                event.timestamp,
                tx.position,
            ),
        )

    @apply.register(event_class(Redemption, "Confirmed"))
    def _confirmed(self, event: Any, tx: Tx) -> None:
        self._state(tx, event, "committed")

    @apply.register(event_class(Redemption, "Voided"))
    def _voided(self, event: Any, tx: Tx) -> None:
        self._state(tx, event, "voided")

    @apply.register(event_class(Redemption, "Expired"))
    def _expired(self, event: Any, tx: Tx) -> None:
        self._state(tx, event, "expired")

    @staticmethod
    def _state(tx: Tx, event: Any, state: str) -> None:
        tx.execute(
            "UPDATE redemptions SET state = %s, position = %s WHERE id = %s",
            (state, tx.position, event.originator_id),
        )
