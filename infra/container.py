"""The composition root: the one place that wires real adapters together."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from infra import claims, idempotency, kiosk_sessions, kiosks, relay, tokens, vault
from infra.application import Ledger
from infra.audit import Audit
from infra.db import Database, eventsourcing_env
from infra.embedded_pg import start_embedded_postgres
from infra.feed import EventStoreFeed, InProcessProjector
from infra.kafka_projector import KafkaProjector
from infra.kiosks import KioskIdentification
from infra.readiness import InOrderReadiness, KafkaReadiness, Readiness
from infra.relay import Relay
from infra.settings import ConfigurationError, Settings
from infra.sweeper import Sweeper
from infra.tokens import TokenStore
from infra.vault import Vault, VaultReader
from projections import all_projections
from projections.base import ProjectionRunner
from projections.queries import ReadModels

log = logging.getLogger(__name__)
SEQUENCES = (
    "CREATE SEQUENCE IF NOT EXISTS volunteer_number_seq; "
    "CREATE SEQUENCE IF NOT EXISTS certificate_number_seq;"
)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    settings: Settings
    db: Database
    ledger: Ledger
    tokens: TokenStore
    vault: VaultReader
    runner: ProjectionRunner
    reads: ReadModels
    projector: InProcessProjector | None
    readiness: Readiness
    sweeper: Sweeper
    kiosk_identification: KioskIdentification
    audit: Audit

    def kafka_bootstrap(self) -> str:
        if self.settings.kafka_bootstrap is None:
            raise ConfigurationError("set VLEDGER_KAFKA_BOOTSTRAP to use Kafka")
        return self.settings.kafka_bootstrap

    def relay(self) -> Relay:
        return Relay(
            self.ledger,
            self.db,
            self.kafka_bootstrap(),
            self.settings.kafka_topic,
            self.settings.kafka_partitions,
        )

    def kafka_projector(self, partitions: list[int] | None = None) -> KafkaProjector:
        return KafkaProjector(
            self.ledger.mapper,
            self.runner,
            self.kafka_bootstrap(),
            self.settings.kafka_topic,
            partitions,
            self.settings.project_batch_size,
        )

    def close(self) -> None:
        if self.projector is not None:
            self.projector.stop()
        self.ledger.close()
        self.db.close()


def database_url(settings: Settings) -> str:
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    return start_embedded_postgres(settings.home)


def build(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Container:
    master_key = settings.master_key_bytes()  # refuse to start before touching storage
    url = database_url(settings)
    db = Database(url, settings.db_pool_size)
    pii_vault = Vault(master_key)
    try:
        create_write_side_tables(db)
        check_vault_key(db, pii_vault)
    except BaseException:
        db.close()  # a refused start leaves no pool behind
        raise
    ledger = Ledger(
        {**eventsourcing_env(url), "AGGREGATE_CACHE_MAXSIZE": "10000"},
        db=db,
        vault=pii_vault,
        clock=clock,
        clock_skew=timedelta(seconds=settings.clock_skew_seconds),
        group_commit=settings.group_commit,
    )
    ledger.ensure_policy()
    token_store = TokenStore(db)
    if revoked := token_store.revoke_unregistered_kiosk_tokens():
        log.warning("revoked %d kiosk tokens of no registered device", revoked)
    runner = ProjectionRunner(db, all_projections(), settings.readmodel_schema)
    runner.create_tables()
    projector = None
    readiness: Readiness
    if settings.kafka_bootstrap is None:
        projector = InProcessProjector(EventStoreFeed(ledger), runner)
        ledger.save_listeners.append(projector.wake)
        readiness = InOrderReadiness(runner)
    else:
        readiness = KafkaReadiness(db, runner, settings.kafka_topic)
    reads = ReadModels(db, settings.readmodel_schema)
    audit = Audit(db, ledger, reads, readiness)
    return Container(
        settings=settings,
        db=db,
        ledger=ledger,
        tokens=token_store,
        vault=VaultReader(db, pii_vault),
        runner=runner,
        reads=reads,
        projector=projector,
        readiness=readiness,
        sweeper=Sweeper(
            ledger,
            reads,
            settings.hold_sweep_seconds,
            timedelta(hours=settings.idempotency_retention_hours),
            audit,
        ),
        kiosk_identification=KioskIdentification(
            db, pii_vault, reads, ledger.kiosk_sessions
        ),
        audit=audit,
    )


def create_write_side_tables(db: Database) -> None:
    with db.transaction() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('vledger-write-ddl'))")
        for ddl in (
            vault.SCHEMA,
            claims.SCHEMA,
            idempotency.SCHEMA,
            tokens.SCHEMA,
            kiosks.SCHEMA,
            kiosk_sessions.SCHEMA,
            relay.SCHEMA,
            SEQUENCES,
        ):
            cur.execute(ddl.encode())


def check_vault_key(db: Database, pii_vault: Vault) -> None:
    row = db.fetch_one(
        "SELECT key_id FROM pii_vault WHERE key_id <> %s LIMIT 1", (pii_vault.key_id,)
    )
    if row is not None:
        raise ConfigurationError(
            "the master key does not match the one the PII vault was written with"
        )
