"""Each person's inbox, as a projection of the events that concern them: an order
dispatched to a volunteer or its team, a resident's order taken up and served, a
sign-up confirmed, a correction decided, a certificate issued, a registration
approved; and, for a station's staff, new orders and registrations. Reminders that
come from the clock, not from an event (an activity tomorrow, an order not accepted
near its deadline, a hold about to expire) are added by `application/reminders.py`.

A notification's id is stable across rebuilds (the event's position and the
recipient), so read marks and deliveries keep pointing at it."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any, ClassVar
from uuid import UUID

from domain.activity import Activity
from domain.certificate import Certificate
from domain.order import ServiceOrder
from domain.registration import VolunteerRegistration, volunteer_id_for
from domain.volunteer import Volunteer
from projections.base import Projection, Tx, event_class

VOLUNTEER, RESIDENT, TEAM, UNIT = "volunteer", "resident", "team", "unit"


class NotificationsProjection(Projection):
    name: ClassVar[str] = "notifications"
    version: ClassVar[int] = 1
    ddl: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS notifications (
        id text PRIMARY KEY,
        recipient_kind text NOT NULL,
        recipient_id uuid NOT NULL,
        kind text NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        subject_id uuid,
        created_at timestamptz NOT NULL
    );
    CREATE INDEX IF NOT EXISTS notifications_recipient
        ON notifications (recipient_id, created_at DESC);
    CREATE INDEX IF NOT EXISTS notifications_created ON notifications (created_at);
    -- What the notices name: an order's or an activity's title.
    CREATE TABLE IF NOT EXISTS notification_subjects (
        id uuid PRIMARY KEY,
        title text NOT NULL,
        resident_id uuid,
        station_id uuid
    );
    """

    @singledispatchmethod
    def apply(self, event: object, tx: Tx) -> None:
        """Other events are passed over."""

    # -- orders -----------------------------------------------------------------

    @apply.register(event_class(ServiceOrder, "Placed"))
    def _order_placed(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO notification_subjects (id, title, resident_id, station_id) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
            (event.originator_id, event.title, event.resident_id, event.station_id),
        )
        how = getattr(event, "channel", "self")
        body = event.title if how == "self" else f"{event.title}（代点单）"
        notify(
            tx, event, UNIT, event.station_id, "order_placed", "新的点单待审核", body
        )

    @apply.register(event_class(ServiceOrder, "Dispatched"))
    def _order_dispatched(self, event: Any, tx: Tx) -> None:
        title = "新的派单"
        for volunteer_id in event.volunteer_ids:
            notify_about(tx, event, VOLUNTEER, volunteer_id, "order_dispatched", title)
        if event.team_id is not None:
            notify_about(tx, event, TEAM, event.team_id, "order_dispatched", title)

    @apply.register(event_class(ServiceOrder, "Accepted"))
    def _order_accepted(self, event: Any, tx: Tx) -> None:
        to_resident(tx, event, "order_accepted", "您的点单已有志愿者接单")

    @apply.register(event_class(ServiceOrder, "Completed"))
    def _order_completed(self, event: Any, tx: Tx) -> None:
        to_resident(tx, event, "order_completed", "服务已完成，请您评价")

    # -- activities, hours, certificates, registrations -------------------------------

    @apply.register(event_class(Activity, "Published"))
    def _activity_published(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO notification_subjects (id, title, station_id) "
            "VALUES (%s, %s, %s) ON CONFLICT (id) DO NOTHING",
            (event.originator_id, event.title, event.unit_id),
        )

    @apply.register(event_class(Activity, "SignedUp"))
    def _signed_up(self, event: Any, tx: Tx) -> None:
        notify_about(
            tx, event, VOLUNTEER, event.volunteer_id, "signup_confirmed", "报名成功"
        )

    @apply.register(event_class(Volunteer, "HoursCorrected"))
    def _corrected(self, event: Any, tx: Tx) -> None:
        if event.request_id is not None:
            decided(tx, event, "您的更正申请已通过，时长已更正")

    @apply.register(event_class(Volunteer, "HoursRevoked"))
    def _revoked(self, event: Any, tx: Tx) -> None:
        if event.request_id is not None:
            decided(tx, event, "您的更正申请已通过，该条记录已撤销")

    @apply.register(event_class(Volunteer, "CorrectionRejected"))
    def _rejected(self, event: Any, tx: Tx) -> None:
        decided(tx, event, f"您的更正申请未通过：{event.reason}")

    @apply.register(event_class(Certificate, "Issued"))
    def _certificate(self, event: Any, tx: Tx) -> None:
        notify(
            tx,
            event,
            VOLUNTEER,
            event.volunteer_id,
            "certificate_issued",
            "志愿服务证明已出具",
            f"证明编号 {event.number}",
        )

    @apply.register(event_class(VolunteerRegistration, "Submitted"))
    def _registration_submitted(self, event: Any, tx: Tx) -> None:
        notify(
            tx,
            event,
            UNIT,
            event.station_id,
            "registration_submitted",
            "新的志愿者注册待审核",
            f"{event.name_masked} 申请注册，请核验身份证件",
        )

    @apply.register(event_class(VolunteerRegistration, "Approved"))
    def _registration_approved(self, event: Any, tx: Tx) -> None:
        notify(
            tx,
            event,
            VOLUNTEER,
            volunteer_id_for(event.originator_id),
            "registration_approved",
            "注册已通过审核",
            "欢迎加入志愿服务！您现在可以报名活动、接单了。",
        )


def notify(
    tx: Tx,
    event: Any,
    recipient_kind: str,
    recipient_id: UUID,
    kind: str,
    title: str,
    body: str,
) -> None:
    tx.execute(
        "INSERT INTO notifications (id, recipient_kind, recipient_id, kind, title, "
        "body, subject_id, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (id) DO NOTHING",
        (
            f"{tx.position}:{recipient_id}",
            recipient_kind,
            recipient_id,
            kind,
            title,
            body,
            event.originator_id,
            event.timestamp,
        ),
    )


def notify_about(
    tx: Tx, event: Any, recipient_kind: str, recipient_id: UUID, kind: str, title: str
) -> None:
    """A notice whose body is the title of its subject (the event's order or
    activity)."""
    tx.execute(
        "INSERT INTO notifications (id, recipient_kind, recipient_id, kind, title, "
        "body, subject_id, created_at) SELECT %s, %s, %s, %s, %s, s.title, s.id, %s "
        "FROM notification_subjects s WHERE s.id = %s ON CONFLICT (id) DO NOTHING",
        (
            f"{tx.position}:{recipient_id}",
            recipient_kind,
            recipient_id,
            kind,
            title,
            event.timestamp,
            event.originator_id,
        ),
    )


def to_resident(tx: Tx, event: Any, kind: str, title: str) -> None:
    tx.execute(
        "INSERT INTO notifications (id, recipient_kind, recipient_id, kind, title, "
        "body, subject_id, created_at) SELECT %s || ':' || s.resident_id, %s, "
        "s.resident_id, %s, %s, s.title, s.id, %s FROM notification_subjects s "
        "WHERE s.id = %s ON CONFLICT (id) DO NOTHING",
        (str(tx.position), RESIDENT, kind, title, event.timestamp, event.originator_id),
    )


def decided(tx: Tx, event: Any, body: str) -> None:
    notify(
        tx,
        event,
        VOLUNTEER,
        event.originator_id,
        "correction_decided",
        "更正申请已处理",
        body,
    )
