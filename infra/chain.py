"""Tamper evidence: a hash chain over the notification log.

Each link is SHA-256 over the previous link and the canonical bytes of one stored event
(notification id, originator id, version, topic and the state exactly as stored), so
encrypted or erased personal data never changes a link. Links are written in the same
transaction as the events, under the event table's lock, so the chain never lags and has
no gaps of its own. The events table and the chain refuse UPDATE, DELETE and TRUNCATE by
trigger; someone who can drop the triggers can still rewrite rows, and that is what
recomputing the chain (`vledger audit verify`) and comparing it with checkpoints kept
elsewhere catches."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from psycopg import Connection, Cursor
from psycopg.rows import DictRow

from infra.db import Database
from infra.signing import CheckpointSigner

GENESIS = bytes(32)
CHAIN_TABLE = "audit_chain"

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_chain (
    notification_id bigint PRIMARY KEY,
    link bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    notification_id bigint PRIMARY KEY,
    link bytea NOT NULL,
    made_at timestamptz NOT NULL DEFAULT now()
);
-- The district's Ed25519 signature (infra/signing.py); none on older checkpoints.
ALTER TABLE audit_checkpoints ADD COLUMN IF NOT EXISTS signature bytea;
-- The last whole verification, by any process (for the metrics).
CREATE TABLE IF NOT EXISTS audit_last_verification (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    verified_at timestamptz NOT NULL,
    verified_through bigint NOT NULL,
    intact boolean NOT NULL
);
CREATE OR REPLACE FUNCTION vledger_chain_step(state bytea, head bytea, canonical bytea)
RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT sha256(coalesce(state, head) || canonical) $$;
CREATE OR REPLACE AGGREGATE vledger_chain(bytea, bytea) (
    SFUNC = vledger_chain_step, STYPE = bytea
);
CREATE OR REPLACE FUNCTION vledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the % table is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""
APPEND_ONLY = {
    "{table}_append_only": "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR "
    "DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION vledger_refuse_change()",
    "{table}_no_truncate": "CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON "
    "{table} FOR EACH STATEMENT EXECUTE FUNCTION vledger_refuse_change()",
}


def schema_statements(events_table: str, triggers: set[str]) -> list[str]:
    """The chain's tables and function, and the append-only triggers not yet in
    `triggers`: creating a trigger locks its table against writers, so a start-up
    that finds them all in place leaves the event table alone."""
    missing = [
        statement.format(table=table)
        for table in (events_table, CHAIN_TABLE, "audit_checkpoints")
        for name, statement in APPEND_ONLY.items()
        if name.format(table=table) not in triggers
    ]
    return [SCHEMA, *missing]


def canonical_bytes(
    notification_id: int,
    originator_id: UUID,
    originator_version: int,
    topic: str,
    state: bytes,
) -> bytes:
    """Length-prefixed, so no two different events share their bytes."""
    topic_bytes = topic.encode()
    head = _HEAD.pack(
        notification_id, originator_id.bytes, originator_version, len(topic_bytes)
    )
    return b"".join((head, topic_bytes, _LENGTH.pack(len(state)), state))


#: Notification id, originator id, version and the topic's length, big-endian.
_HEAD = struct.Struct(">q16sqI")
_LENGTH = struct.Struct(">I")


def links(
    head: bytes, notification_ids: Sequence[int], events: Sequence[StoredEvent]
) -> Iterator[tuple[int, bytes]]:
    """The links of `events` stored under `notification_ids`, after `head`: what
    `extend_statement` computes in Postgres, for a bulk import's rows (hashing in
    Python is a fifth of the time the SQL aggregate takes per event)."""
    link = head
    for notification_id, e in zip(notification_ids, events, strict=True):
        originator = e.originator_id
        if not isinstance(originator, UUID):
            originator = UUID(originator)
        canonical = canonical_bytes(
            notification_id, originator, e.originator_version, e.topic, e.state
        )
        link = hashlib.sha256(link + canonical).digest()
        yield notification_id, link


def next_link(previous: bytes, row: dict[str, Any]) -> bytes:
    return hashlib.sha256(
        previous
        + canonical_bytes(
            row["notification_id"],
            row["originator_id"],
            row["originator_version"],
            row["topic"],
            bytes(row["state"]),
        )
    ).digest()


def extend_statement(events_table: str) -> str:
    """The links of every event not yet chained, computed by Postgres in one
    statement (nothing to fetch mid-pipeline, so a failing statement before it still
    surfaces as its own error). `vledger_chain` runs over the new events in order,
    one hash per event, so a batch costs time in proportion to its size.
    `canonical_bytes` in SQL: int8send and int4send are big-endian, uuid_send the 16
    raw bytes."""
    return f"""
    WITH head AS (
        SELECT notification_id, link FROM audit_chain
        ORDER BY notification_id DESC LIMIT 1
    )
    INSERT INTO audit_chain (notification_id, link)
    SELECT notification_id, vledger_chain(
        coalesce((SELECT link FROM head), '\\x{GENESIS.hex()}'::bytea),
        int8send(notification_id) || uuid_send(originator_id)
        || int8send(originator_version::bigint)
        || int4send(octet_length(convert_to(topic, 'UTF8')))
        || convert_to(topic, 'UTF8') || int4send(octet_length(state)) || state
    ) OVER (ORDER BY notification_id ROWS UNBOUNDED PRECEDING)
    FROM {events_table}
    WHERE notification_id > coalesce((SELECT notification_id FROM head), 0)
    """  # noqa: S608 - the table name is a constant


def behind(cur: Cursor[DictRow], events_table: str) -> bool:
    """Whether the log has events past the chain's head (two index lookups)."""
    cur.execute(
        f"SELECT (SELECT max(notification_id) FROM {events_table}) "  # noqa: S608
        "IS DISTINCT FROM (SELECT max(notification_id) FROM audit_chain) AS behind"
    )
    row = cur.fetchone()
    return bool(row and row["behind"])


@dataclass(frozen=True)
class ChainReport:
    verified_through: int
    head_hash: str
    events: int
    first_broken: dict[str, Any] | None
    checkpoints: int

    @property
    def intact(self) -> bool:
        return self.first_broken is None

    def summary(self) -> dict[str, Any]:
        """What both `GET /v1/audit/chain` and `vledger audit verify` report."""
        return {
            "intact": self.intact,
            "verified_through": self.verified_through,
            "head_hash": self.head_hash,
            "events": self.events,
            "checkpoints": self.checkpoints,
            "first_broken": self.first_broken,
        }


def verify(conn: Connection[DictRow], events_table: str) -> ChainReport:
    """Recomputes every link from the events as stored and names the first link
    that does not hold: an altered, missing, inserted or reordered event, or a
    chain cut short of a checkpoint."""
    checkpoints = {
        r["notification_id"]: bytes(r["link"])
        for r in conn.execute(
            "SELECT notification_id, link FROM audit_checkpoints"
        ).fetchall()
    }
    previous, through, count = GENESIS, 0, 0
    broken: dict[str, Any] | None = None
    with conn.transaction(), conn.cursor(name="chain_verify") as cur:
        cur.itersize = 2000
        cur.execute(
            "SELECT c.notification_id AS chained, c.link, e.notification_id, "  # noqa: S608
            "e.originator_id, e.originator_version, e.topic, e.state "
            f"FROM audit_chain c FULL OUTER JOIN {events_table} e "
            "ON e.notification_id = c.notification_id "
            "ORDER BY coalesce(c.notification_id, e.notification_id)"
        )
        for row in cur:
            broken = _check_row(row, previous, checkpoints)
            if broken is not None:
                break
            previous, through = bytes(row["link"]), row["chained"]
            count += 1
    if broken is None and checkpoints and max(checkpoints) > through:
        broken = _broken(max(checkpoints), "the log ends before this checkpoint")
    return ChainReport(through, previous.hex(), count, broken, len(checkpoints))


def record_verification(conn: Connection[DictRow], report: ChainReport) -> None:
    conn.execute(
        "INSERT INTO audit_last_verification AS v "
        "(verified_at, verified_through, intact) VALUES (now(), %s, %s) "
        "ON CONFLICT (one) DO UPDATE SET verified_at = excluded.verified_at, "
        "verified_through = excluded.verified_through, intact = excluded.intact",
        (report.verified_through, report.intact),
    )


def _check_row(
    row: dict[str, Any], previous: bytes, checkpoints: dict[int, bytes]
) -> dict[str, Any] | None:
    chained = row["chained"]
    if chained is None:
        # Links commit with their events, so an unlinked event was put in
        # around the ledger.
        return _broken(row["notification_id"], "the event was never chained")
    if row["notification_id"] is None:
        return _broken(chained, "the event is missing from the log")
    stored = bytes(row["link"])
    if next_link(previous, row) != stored:
        return _broken(
            chained, "the event or the one before it differs from what was chained"
        )
    if chained in checkpoints and checkpoints[chained] != stored:
        return _broken(chained, "the chain differs from its checkpoint")
    return None


def _broken(notification_id: int, reason: str) -> dict[str, Any]:
    return {"notification_id": notification_id, "reason": reason}


#: A checkpoint is due after this many events, or this long, since the last one.
CHECKPOINT_EVENTS = 1000
CHECKPOINT_AGE = timedelta(hours=1)


def checkpoint_due(conn: Connection[DictRow]) -> bool:
    row = conn.execute(
        "SELECT (SELECT max(notification_id) FROM audit_chain) AS head, "
        "c.notification_id AS last, c.made_at FROM (SELECT 1) one "
        "LEFT JOIN LATERAL (SELECT notification_id, made_at FROM audit_checkpoints "
        "ORDER BY notification_id DESC LIMIT 1) c ON true"
    ).fetchone()
    if row is None or row["head"] is None or row["head"] == row["last"]:
        return False
    if row["last"] is None:
        return True
    return bool(
        row["head"] - row["last"] >= CHECKPOINT_EVENTS
        or row["made_at"] < datetime.now(UTC) - CHECKPOINT_AGE
    )


def checkpoint(
    conn: Connection[DictRow], signer: CheckpointSigner | None = None
) -> dict[str, Any] | None:
    """Records the chain's head, signed: a value to keep outside this database too."""
    head = conn.execute(
        "SELECT notification_id, link FROM audit_chain "
        "ORDER BY notification_id DESC LIMIT 1"
    ).fetchone()
    if head is None:
        return None
    position, link = head["notification_id"], bytes(head["link"])
    signature = signer.sign(position, link) if signer is not None else None
    conn.execute(
        "INSERT INTO audit_checkpoints (notification_id, link, signature) "
        "VALUES (%s, %s, %s) ON CONFLICT (notification_id) DO NOTHING",
        (position, link, signature),
    )
    made = {"notification_id": position, "link": link.hex()}
    if signature is not None:
        made["signature"] = signature.hex()
    return made


def latest_signed_checkpoint(conn: Connection[DictRow]) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT notification_id, link, signature, made_at FROM audit_checkpoints "
        "WHERE signature IS NOT NULL ORDER BY notification_id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return {
        "notification_id": row["notification_id"],
        "link": bytes(row["link"]).hex(),
        "signature": bytes(row["signature"]).hex(),
        "made_at": row["made_at"].isoformat(),
    }


def standing(conn: Connection[DictRow]) -> dict[str, Any]:
    """The chain's head, its latest checkpoint and when it was made, and the last
    whole verification (None where there is none yet)."""
    row = conn.execute(
        "SELECT (SELECT max(notification_id) FROM audit_chain) AS head, "
        "c.notification_id AS checkpoint, c.made_at AS checkpoint_at, "
        "v.verified_through, v.verified_at, v.intact FROM (SELECT 1) one "
        "LEFT JOIN LATERAL (SELECT notification_id, made_at FROM audit_checkpoints "
        "ORDER BY notification_id DESC LIMIT 1) c ON true "
        "LEFT JOIN audit_last_verification v ON true"
    ).fetchone()
    return dict(row) if row else {}


class ChainPositions:
    """Where an aggregate's last event stands in the log, and the link there: what
    a certificate names so that it can be checked against the record later."""

    def __init__(self, db: Database, events_table: str) -> None:
        self.db = db
        self.events_table = events_table

    def of_version(self, aggregate_id: UUID, version: int) -> tuple[int, str]:
        """The log position of the aggregate's event `version`, and its link."""
        row = self.db.fetch_one(
            f"SELECT e.notification_id, c.link FROM {self.events_table} e "  # noqa: S608
            f"JOIN {CHAIN_TABLE} c ON c.notification_id = e.notification_id "
            "WHERE e.originator_id = %s AND e.originator_version = %s",
            (aggregate_id, version),
        )
        if row is None:
            raise RuntimeError(f"{aggregate_id} v{version} has no chained event")
        return row["notification_id"], bytes(row["link"]).hex()

    def link_at(self, position: int) -> str | None:
        row = self.db.fetch_one(
            f"SELECT link FROM {CHAIN_TABLE} WHERE notification_id = %s",  # noqa: S608
            (position,),
        )
        return bytes(row["link"]).hex() if row else None
