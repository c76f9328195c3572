"""What auditors read: the event log with its hash chain, one aggregate's history,
and the chain's verification. Read-only throughout."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from application.replay import Replayed, Replayer
from domain.ids import account_id_for
from domain.volunteer import ERASED
from infra import chain, signing
from infra.chain import ChainReport
from infra.db import Database
from infra.event_store import EventStore
from infra.readiness import Readiness, wait_until
from infra.recorder import EVENTS_TABLE
from infra.signing import CheckpointSigner
from projections.queries import ReadModels

# The table name is a constant, not input.
_EVENT_COLUMNS = (
    "e.notification_id, e.originator_id, e.originator_version, e.topic, e.state, "  # noqa: S608
    "c.link, (SELECT p.link FROM audit_chain p WHERE p.notification_id < "
    "e.notification_id ORDER BY p.notification_id DESC LIMIT 1) AS prev_link "
    f"FROM {EVENTS_TABLE} e LEFT JOIN audit_chain c "
    "ON c.notification_id = e.notification_id "
)
#: Events and links after a notification id, each link with its event if it has
#: one (and each event with its link if it has one), as `chain.verify` pairs them.
_EXPORT = (
    "SELECT coalesce(e.notification_id, c.notification_id) AS notification_id, "  # noqa: S608
    "e.originator_id, e.originator_version, e.topic, e.state, c.link, "
    "(SELECT p.link FROM audit_chain p WHERE p.notification_id < "
    "coalesce(e.notification_id, c.notification_id) "
    "ORDER BY p.notification_id DESC LIMIT 1) AS prev_link "
    f"FROM (SELECT * FROM {EVENTS_TABLE} WHERE notification_id > %s) e "
    "FULL OUTER JOIN (SELECT * FROM audit_chain WHERE notification_id > %s) c "
    "ON c.notification_id = e.notification_id ORDER BY 1"
)
#: Envelope attributes every event has; the rest is the event's own data.
_ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp"})


def ndjson(events: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Events as export lines: one JSON object a line, in plain JSON values."""
    for event in events:
        yield json.dumps(plain(event), ensure_ascii=False) + "\n"


def plain(value: Any) -> Any:
    """An event attribute as plain JSON: ids, times and amounts as strings."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if hasattr(value, "__dataclass_fields__"):
        return plain(asdict(value))
    return value


class ReadModelsBehind(RuntimeError):
    """The read models had not reached the replay's position in time."""


#: How long a verification waits for the read models to reach its position.
VERIFY_WAIT_SECONDS = 30.0
#: Positions listed with a difference: the latest events behind the value.
EVENTS_SHOWN = 20


class Audit:
    def __init__(
        self,
        db: Database,
        store: EventStore,
        reads: ReadModels,
        readiness: Readiness,
        signer: CheckpointSigner,
    ) -> None:
        self.db = db
        self.store = store
        self.reads = reads
        self.readiness = readiness
        self.signer = signer
        self.replayer = Replayer(store.recorder, store.mapper, db.pool.connection)

    # -- replay ------------------------------------------------------------------

    def replay(
        self, as_of: datetime | None = None, with_entries: bool = False
    ) -> Replayed:
        return self.replayer.replay(as_of, with_entries=with_entries)

    def volunteer_as_of(self, volunteer_id: UUID, as_of: datetime | None) -> Replayed:
        return self.replayer.replay_one(volunteer_id, as_of)

    def differences(self, replayed: Replayed) -> list[dict[str, Any]]:
        """Every value of the live read models that a replay of the same position
        does not give, with the positions of the events behind it. Streams that
        moved on while this ran are left out."""
        if not wait_until(
            self.readiness, replayed.through_position, VERIFY_WAIT_SECONDS
        ):
            raise ReadModelsBehind(
                f"read models have not reached position {replayed.through_position}"
            )
        found = [
            *self._volunteer_differences(replayed),
            *self._account_differences(replayed),
        ]
        return [d for d in found if not self._moved_on(d, replayed.through_position)]

    def _volunteer_differences(self, replayed: Replayed) -> Iterator[dict[str, Any]]:
        live = self.reads.all_standings()
        for volunteer in replayed.volunteers.values():
            yield from _compare(
                "volunteers",
                volunteer.volunteer_id,
                live.pop(volunteer.volunteer_id, None),
                replayed.standing(volunteer),
                ("verified_hours", "star_level"),
                volunteer.positions,
            )
        for extra in live:
            yield _difference("volunteers", extra, "row", "present", None, [])

    def _account_differences(self, replayed: Replayed) -> Iterator[dict[str, Any]]:
        live = self.reads.all_balances()
        for account in replayed.accounts.values():
            want = {
                "balance": account.balance,
                "held": account.held,
                "redeemed": account.redeemed,
                "entries_total": account.balance,
            }
            owner = account.owner_id
            if owner is None:
                continue  # opened after the replay's instant
            yield from _compare(
                "accounts",
                owner,
                live.pop(owner, None),
                want,
                tuple(want),
                account.positions,
            )
        for extra in live:
            yield _difference("accounts", extra, "row", "present", None, [])

    def _moved_on(self, difference: dict[str, Any], position: int) -> bool:
        row = self.db.fetch_one(
            f"SELECT max(notification_id) AS last FROM {EVENTS_TABLE} "  # noqa: S608
            "WHERE originator_id = ANY(%s)",
            ([difference["key"], account_id_for(difference["key"])],),
        )
        return bool(row and row["last"] and row["last"] > position)

    def chain(self) -> chain.ChainReport:
        with self.db.pool.connection() as conn:
            report = chain.verify(conn, EVENTS_TABLE)
            chain.record_verification(conn, report)
            return report

    def checkpoint(self, only_if_due: bool = False) -> dict[str, Any] | None:
        with self.db.pool.connection() as conn:
            if only_if_due and not chain.checkpoint_due(conn):
                return None
            return chain.checkpoint(conn, self.signer)

    def against(
        self, kept: list[dict[str, Any]], report: ChainReport
    ) -> list[dict[str, Any]]:
        """Each checkpoint kept outside the database held against the log, whose
        chain `report` verified: its signature is the district's, and the chain
        passes through its link at its position. (A log rewritten with every link
        recomputed verifies on its own; a copy kept elsewhere is what shows it.)"""
        positions = [int(k["notification_id"]) for k in kept]
        rows = self.db.fetch_all(
            "SELECT notification_id, link FROM audit_chain "
            "WHERE notification_id = ANY(%s)",
            (positions,),
        )
        links = {r["notification_id"]: bytes(r["link"]) for r in rows}
        return [self._held(k, links, report.verified_through) for k in kept]

    def _held(
        self, kept: dict[str, Any], links: dict[int, bytes], verified_through: int
    ) -> dict[str, Any]:
        position, link = int(kept["notification_id"]), bytes.fromhex(kept["link"])
        signature = bytes.fromhex(kept.get("signature") or "")
        signed = bool(signature) and signing.holds(
            self.signer.public_key, position, link, signature
        )
        if signature and not signed:
            reason = "the signature is not the district's"
        elif position > verified_through:
            reason = "the verified log does not reach this checkpoint"
        elif links.get(position) != link:
            reason = "the log's link here differs from the kept one"
        else:
            reason = None
        return {
            "notification_id": position,
            "signed_by_district": signed,
            "holds": reason is None,
            "reason": reason,
        }

    def latest_signed_checkpoint(self) -> dict[str, Any] | None:
        with self.db.pool.connection() as conn:
            return chain.latest_signed_checkpoint(conn)

    def standing(self) -> dict[str, Any]:
        """The chain's head, latest checkpoint and last whole verification."""
        with self.db.pool.connection() as conn:
            return chain.standing(conn)

    def public_key(self) -> dict[str, str]:
        """The public half of the key that signs checkpoints: publish it."""
        return {
            "algorithm": "Ed25519",
            "public_key": self.signer.public_key.hex(),
            "pem": self.signer.public_key_pem,
        }

    def events(self, after: int, limit: int) -> list[dict[str, Any]]:
        """The global log in notification order, each event with its link."""
        rows = self.db.fetch_all(
            f"SELECT {_EVENT_COLUMNS} WHERE e.notification_id > %s "
            "ORDER BY e.notification_id LIMIT %s",
            (after, limit),
        )
        return self._redacted([self._event(r) for r in rows])

    def export(self, after: int = 0, batch: int = 2_000) -> Iterator[dict[str, Any]]:
        """The whole log after `after`, in notification order, read by a server-side
        cursor (constant memory): each event as `events` gives it, with its topic
        and stored bytes, and a link whose event is gone as a line of its own
        (`missing`), so a verifier outside this software reaches the verdicts of
        `chain()` (docs/auditing.md)."""
        with (
            self.db.pool.connection() as conn,
            conn.transaction(),
            conn.cursor(name="audit_export") as cur,
        ):
            cur.itersize = batch
            cur.execute(_EXPORT, (after, after))
            while rows := cur.fetchmany(batch):
                yield from self._exported(rows)

    def _exported(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        events = self._redacted([self._event(r) for r in rows if r["topic"]])
        by_id = {e["notification_id"]: e for e in events}
        return [
            by_id.get(r["notification_id"])
            or {
                "notification_id": r["notification_id"],
                "missing": True,
                "hash": bytes(r["link"]).hex(),
                "prev_hash": bytes(r["prev_link"] or chain.GENESIS).hex(),
            }
            for r in rows
        ]

    def stream(self, aggregate_id: UUID) -> list[dict[str, Any]]:
        """Every event of one aggregate, oldest first."""
        rows = self.db.fetch_all(
            f"SELECT {_EVENT_COLUMNS} WHERE e.originator_id = %s "
            "ORDER BY e.originator_version",
            (aggregate_id,),
        )
        return self._redacted([self._event(r) for r in rows])

    def _redacted(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Events about a person whose data is erased show it as erased: the stored
        events and their hashes are untouched (the chain still verifies), only
        this view of them changes."""
        if not events:
            return events
        subjects = {_subject(e) for e in events}
        erased = {
            row["volunteer_id"]
            for row in self.db.fetch_all(
                "SELECT volunteer_id FROM pii_vault "
                "WHERE volunteer_id = ANY(%s) AND erased_at IS NOT NULL",
                ([UUID(str(s)) for s in subjects],),
            )
        }
        for event in events:
            if UUID(str(_subject(event))) in erased:
                data = event["data"]
                for key in PERSONAL_FIELDS & data.keys():
                    data[key] = ERASED
        return events

    def _event(self, row: dict[str, Any]) -> dict[str, Any]:
        event = self.store.mapper.to_domain_event(
            StoredEvent(
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
        )
        data = {k: plain(v) for k, v in vars(event).items() if k not in _ENVELOPE}
        return {
            "notification_id": row["notification_id"],
            "aggregate_id": row["originator_id"],
            "version": row["originator_version"],
            "type": row["topic"].rpartition(":")[2],
            "topic": row["topic"],
            "state": base64.b64encode(bytes(row["state"])).decode(),
            "timestamp": getattr(event, "timestamp", None),
            "actor": data.get("actor"),
            "data": data,
            "hash": bytes(row["link"]).hex() if row["link"] else None,
            "prev_hash": bytes(row["prev_link"] or chain.GENESIS).hex(),
        }


#: Event fields that carry a person's (masked) personal data.
PERSONAL_FIELDS = frozenset({"name_masked", "id_number_masked", "phone_masked"})


def _subject(event: dict[str, Any]) -> Any:
    """The person an event is about: its volunteer, or its own aggregate."""
    return event["data"].get("volunteer_id") or event["aggregate_id"]


def _compare(
    table: str,
    key: UUID,
    have: dict[str, Any] | None,
    want: dict[str, Any],
    fields: tuple[str, ...],
    positions: Iterable[int],
) -> Iterator[dict[str, Any]]:
    if have is None:
        yield _difference(table, key, "row", None, "present", positions)
        return
    for name in fields:
        if Decimal(str(have[name])) != Decimal(str(want[name])):
            yield _difference(table, key, name, have[name], want[name], positions)


def _difference(
    table: str, key: UUID, name: str, live: Any, replayed: Any, positions: Iterable[int]
) -> dict[str, Any]:
    return {
        "table": table,
        "key": key,
        "field": name,
        "live": live,
        "replayed": replayed,
        "events": list(positions)[-EVENTS_SHOWN:],
    }


def as_json(value: Any) -> str:
    return json.dumps(plain(value), ensure_ascii=False, indent=2)
