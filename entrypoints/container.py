"""The composition root: the one place that wires real adapters together."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from application.activities import Activities
from application.aggregates import Aggregates, Clock
from application.audit import Audit
from application.awards import Awards
from application.certificates import Certificates
from application.executor import CommandExecutor
from application.exports import Exports
from application.hours import Hours
from application.imports import HoursImports
from application.insurance import Insurance
from application.kiosks import Kiosks
from application.logins import Logins
from application.notifier import Notifier
from application.orders import Orders
from application.organisation import Organisation
from application.plans import Plans
from application.projects import Projects
from application.registrations import Registrations
from application.reminders import Reminders
from application.reports import Reports
from application.residents import ResidentDirectory, Residents
from application.services import Container
from application.sign_in import SignIns
from application.supermarket import Catalog, Donations, Redemptions
from application.sweeper import Sweeper
from application.teams import Teams
from application.volunteers import Volunteers
from application.webhooks import Webhooks
from domain.recording import backdated
from domain.sign_in import sign_in_rules
from infra import (
    claims,
    idempotency,
    inbox,
    kiosk_pins,
    kiosk_sessions,
    outbox,
    passwords,
    phone_codes,
    quotas,
    relay,
    sequences,
    sign_in_guard,
    sign_in_sessions,
    sms,
    tokens,
    vault,
    webhooks,
)
from infra.chain import ChainPositions
from infra.claims import ClaimReader
from infra.db import Database, eventsourcing_env
from infra.deliveries import Deliveries, DeliveryWorker
from infra.destinations import Destinations
from infra.embedded_pg import start_embedded_postgres
from infra.event_store import EventStore
from infra.feed import EventStoreFeed, InProcessProjector
from infra.idempotency import IdempotencyStore
from infra.inbox import ReadMarks
from infra.kafka_projector import BrokerOffsets
from infra.kiosk_pins import KioskIdentification
from infra.kiosk_sessions import KioskSessions
from infra.leadership import Leadership
from infra.passwords import Passwords
from infra.phone_codes import PhoneCodes
from infra.quotas import Quotas
from infra.readiness import InOrderReadiness, KafkaReadiness, Readiness
from infra.recorder import EVENTS_TABLE
from infra.sequences import Sequences
from infra.settings import ConfigurationError, Settings
from infra.sign_in_guard import SignInGuard
from infra.sign_in_sessions import SessionStore
from infra.signing import CheckpointSigner
from infra.sms import HttpSms, LogSms
from infra.tokens import TokenStore
from infra.vault import Vault, VaultReader
from infra.webhooks import WebhookEndpoints
from projections import all_projections
from projections.assessment import AssessmentFacts
from projections.base import ProjectionRunner
from projections.exports import ExportRows
from projections.people import PeopleReads
from projections.programme import ProgrammeReads
from projections.queries import ReadModels

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def database_url(settings: Settings) -> str:
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    return start_embedded_postgres(settings.home)


def build(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Container:
    master_key = settings.master_key_bytes()  # refuse to start before touching storage
    signing_seed = settings.signing_seed()
    url = database_url(settings)
    db = Database(url, settings.db_pool_size)
    pii_vault = Vault(master_key)
    try:
        create_write_side_tables(db)
        check_vault_key(db, pii_vault)
    except BaseException:
        db.close()  # a refused start leaves no pool behind
        raise
    store = EventStore(
        {**eventsourcing_env(url), "AGGREGATE_CACHE_MAXSIZE": "10000"},
        db,
        group_commit=settings.group_commit,
    )
    aggregates = Aggregates(store)
    aggregates.ensure_policy()
    token_store = TokenStore(db, clock)
    if revoked := token_store.revoke_unregistered_kiosk_tokens():
        log.warning("revoked %d kiosk tokens of no registered device", revoked)
    runner = ProjectionRunner(db, all_projections(), settings.readmodel_schema)
    runner.create_tables()
    projector = None
    readiness: Readiness
    if settings.kafka_bootstrap is None:
        projector = InProcessProjector(EventStoreFeed(store), runner)
        store.save_listeners.append(projector.wake)
        readiness = InOrderReadiness(runner)
    else:
        readiness = KafkaReadiness(db, runner, settings.kafka_topic)
    reads = ReadModels(db, settings.readmodel_schema)
    audit = Audit(db, store, reads, readiness, CheckpointSigner(signing_seed))
    now = Clock(
        lambda: backdated() or clock(), timedelta(seconds=settings.clock_skew_seconds)
    )
    idempotency_store = IdempotencyStore(db)
    commands = CommandExecutor(store, idempotency_store)
    numbers = Sequences(db)
    sessions = KioskSessions(db, clock)
    redemptions = Redemptions(aggregates, now, sessions)
    password_store = Passwords(db)
    claim_reader = ClaimReader(db)
    quotas = Quotas(db, pii_vault)
    phone_codes = PhoneCodes(db, pii_vault, quotas, clock)
    sms_log = LogSms(db, pii_vault)
    gateway = settings.sms_gateway()
    sms_gateway = sms_log if gateway is None else HttpSms(*gateway, clock)
    resident_directory = ResidentDirectory(aggregates, pii_vault, claim_reader)
    vault_reader = VaultReader(db, pii_vault)
    webhook_endpoints = WebhookEndpoints(
        db, pii_vault, vault_reader, Destinations(settings.webhook_networks)
    )
    deliveries = Deliveries(db, sms_gateway, webhook_endpoints, clock)
    volunteers = Volunteers(aggregates, now, pii_vault, numbers, claim_reader)
    logins = Logins(aggregates, now, pii_vault, password_store, claim_reader)
    sign_ins = SignIns(
        aggregates,
        commands,
        logins,
        password_store,
        SignInGuard(
            db,
            pii_vault,
            sign_in_rules(settings.sign_in_free_failures, settings.sign_in_lock_after),
        ),
        SessionStore(
            db,
            clock,
            timedelta(minutes=settings.access_token_minutes),
            timedelta(days=settings.session_days),
        ),
        claim_reader,
        now,
    )
    sweeper = Sweeper(
        commands,
        redemptions,
        sessions,
        idempotency_store,
        reads,
        settings.hold_sweep_seconds,
        timedelta(hours=settings.idempotency_retention_hours),
        audit,
        sign_ins,
        Reminders(reads, timedelta(hours=settings.order_accept_deadline_hours)),
        Notifier(db, reads, webhook_endpoints, vault_reader, clock),
    )
    return Container(
        settings=settings,
        db=db,
        store=store,
        commands=commands,
        aggregates=aggregates,
        organisation=Organisation(aggregates, now),
        teams=Teams(aggregates, pii_vault, now),
        reports=Reports(
            AssessmentFacts(db, settings.readmodel_schema),
            store,
            db.pool.connection,
        ),
        exports=Exports(ExportRows(db, settings.readmodel_schema), reads),
        volunteers=volunteers,
        registrations=Registrations(
            aggregates, pii_vault, password_store, claim_reader, volunteers
        ),
        residents=Residents(
            aggregates, resident_directory, pii_vault, password_store, phone_codes
        ),
        phone_codes=phone_codes,
        quotas=quotas,
        sms_log=sms_log,
        webhooks=Webhooks(aggregates, webhook_endpoints),
        webhook_endpoints=webhook_endpoints,
        deliveries=deliveries,
        delivery=DeliveryWorker(deliveries, settings.delivery_threads),
        read_marks=ReadMarks(db),
        hours=Hours(aggregates, now),
        orders=Orders(aggregates, now, resident_directory, vault_reader),
        activities=Activities(aggregates, now),
        projects=Projects(aggregates, now),
        plans=Plans(aggregates),
        awards=Awards(aggregates, now),
        insurance=Insurance(aggregates, now),
        catalog=Catalog(aggregates),
        redemptions=redemptions,
        donations=Donations(aggregates),
        kiosks=Kiosks(aggregates, pii_vault, token_store),
        logins=logins,
        sign_ins=sign_ins,
        certificates=Certificates(
            aggregates,
            now,
            pii_vault,
            numbers,
            ChainPositions(db, EVENTS_TABLE),
            vault_reader,
        ),
        imports=HoursImports(aggregates, now, commands, reads, store.stored),
        clock=now,
        tokens=token_store,
        vault=vault_reader,
        runner=runner,
        reads=reads,
        programme=ProgrammeReads(reads),
        people=PeopleReads(reads),
        projector=projector,
        readiness=readiness,
        sweeper=sweeper,
        leadership=Leadership(
            url,
            [duty for duty in (projector, sweeper) if duty is not None],
            channel=EVENTS_TABLE if projector is not None else None,
            on_notify=projector.wake if projector is not None else None,
        ),
        kiosk_identification=KioskIdentification(db, pii_vault, reads, sessions),
        kiosk_sessions=sessions,
        audit=audit,
        broker_offsets=None
        if settings.kafka_bootstrap is None
        else BrokerOffsets(settings.kafka_bootstrap, settings.kafka_topic),
    )


def create_write_side_tables(db: Database) -> None:
    with db.transaction() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('vledger-write-ddl'))")
        for ddl in (
            vault.SCHEMA,
            claims.SCHEMA,
            idempotency.SCHEMA,
            tokens.SCHEMA,
            passwords.SCHEMA,
            sign_in_guard.SCHEMA,
            sign_in_sessions.SCHEMA,
            quotas.SCHEMA,
            outbox.SCHEMA,
            sms.SCHEMA,
            phone_codes.SCHEMA,
            inbox.SCHEMA,
            webhooks.SCHEMA,
            kiosk_pins.SCHEMA,
            kiosk_sessions.SCHEMA,
            relay.SCHEMA,
            sequences.SCHEMA,
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
