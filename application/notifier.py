"""Fans new notifications out to where they are delivered: each active webhook that
wants the kind, and the person's phone for the kinds worth a text message. Every
message goes into the outbox with a key made of the notification's stable id and
its target, and the notification is marked dispatched in the same transaction: a
crash sends nothing twice, and a rebuilt inbox (the same ids) sends nothing again."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from infra import outbox
from infra.db import Database
from infra.vault import VaultReader
from infra.webhooks import WebhookEndpoints
from projections.queries import ReadModels

#: Kinds a person also gets by SMS: what needs them to act, or tells them it's done.
SMS_KINDS = frozenset(
    {
        "order_dispatched",
        "order_completed",
        "activity_tomorrow",
        "registration_approved",
    }
)
#: Notifications older than this are not sent (a back-dated history, a late start).
FRESH = timedelta(days=2)
NEW = """
SELECT n.id, n.recipient_kind, n.recipient_id, n.kind, n.title, n.body,
       n.subject_id, n.created_at
FROM {t}.notifications n
WHERE n.created_at > %(since)s
  AND NOT EXISTS (SELECT 1 FROM notification_dispatches d
                  WHERE d.notification_id = n.id)
ORDER BY n.created_at, n.id LIMIT %(limit)s
"""


class Notifier:
    def __init__(
        self,
        db: Database,
        reads: ReadModels,
        webhooks: WebhookEndpoints,
        people: VaultReader,
        clock: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.reads = reads
        self.webhooks = webhooks
        self.people = people
        self.clock = clock

    def fan_out(self, limit: int = 500) -> int:
        """Puts the new notifications' messages into the outbox; how many
        notifications it dispatched."""
        now = self.clock()
        new = self.reads.rows(NEW, {"since": now - FRESH, "limit": limit})
        if not new:
            return 0
        endpoints = self.webhooks.active()
        phones = self._phones([n for n in new if n["kind"] in SMS_KINDS])
        with self.db.transaction() as cur:
            for notification in new:
                phone = phones.get(UUID(str(notification["recipient_id"])))
                for write in self._messages(notification, endpoints, phone, now):
                    cur.execute(write.query, write.params)
                cur.execute(
                    "INSERT INTO notification_dispatches (notification_id, "
                    "dispatched_at) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                    (notification["id"], now),
                )
        return len(new)

    def _messages(
        self,
        notification: dict[str, Any],
        endpoints: list[dict[str, Any]],
        phone: str | None,
        now: datetime,
    ) -> list[Any]:
        key = notification["id"]
        payload = json.dumps(
            {k: _plain(v) for k, v in notification.items()}, ensure_ascii=False
        )
        writes = [
            outbox.enqueue(
                outbox.WEBHOOK, f"{key}:webhook:{e['id']}", str(e["id"]), payload, now
            )
            for e in endpoints
            if not e["kinds"] or notification["kind"] in e["kinds"]
        ]
        if notification["kind"] in SMS_KINDS and phone is not None:
            text = f"【志愿服务】{notification['title']}：{notification['body']}"
            writes.append(outbox.enqueue(outbox.SMS, f"{key}:sms", phone, text, now))
        return writes

    def _phones(self, notifications: list[dict[str, Any]]) -> dict[UUID, str]:
        """The phones of these notifications' volunteers and residents, read from
        the vault in two queries for the whole sweep."""

        def recipients(kind: str) -> list[UUID]:
            return list(
                {
                    UUID(str(n["recipient_id"]))
                    for n in notifications
                    if n["recipient_kind"] == kind
                }
            )

        phones = {
            owner: person.phone
            for owner, person in self.people.people(recipients("volunteer")).items()
            if person.phone
        }
        for owner, resident in self.people.residents(recipients("resident")).items():
            phones[owner] = resident["phone"]
        return phones


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value
