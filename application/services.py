"""What a running ledger holds, as the composition root (`entrypoints/container.py`)
builds it: the use cases and the one executor they run through, the read models, and
the adapters the API and the command line reach."""

from __future__ import annotations

from dataclasses import dataclass

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
from application.orders import Orders
from application.organisation import Organisation
from application.plans import Plans
from application.projects import Projects
from application.registrations import Registrations
from application.reports import Reports
from application.residents import Residents
from application.sign_in import SignIns
from application.supermarket import Catalog, Donations, Redemptions
from application.sweeper import Sweeper
from application.teams import Teams
from application.volunteers import Volunteers
from application.webhooks import Webhooks
from infra.db import Database
from infra.deliveries import Deliveries, DeliveryWorker
from infra.event_store import EventStore
from infra.feed import InProcessProjector
from infra.inbox import ReadMarks
from infra.kafka_projector import BrokerOffsets, KafkaProjector
from infra.kiosk_pins import KioskIdentification
from infra.kiosk_sessions import KioskSessions
from infra.leadership import Leadership
from infra.phone_codes import PhoneCodes
from infra.quotas import Quotas
from infra.readiness import Readiness
from infra.relay import Relay
from infra.settings import ConfigurationError, Settings
from infra.sms import LogSms
from infra.tokens import TokenStore
from infra.vault import VaultReader
from infra.webhooks import WebhookEndpoints
from projections.base import ProjectionRunner
from projections.people import PeopleReads
from projections.programme import ProgrammeReads
from projections.queries import ReadModels


@dataclass
class Container:
    settings: Settings
    db: Database
    store: EventStore
    #: Every write goes through it: `commands.run(container.hours.record, ...)`.
    commands: CommandExecutor
    #: The write model, for entry points that check an id exists (never routes).
    aggregates: Aggregates
    organisation: Organisation
    teams: Teams
    reports: Reports
    exports: Exports
    volunteers: Volunteers
    hours: Hours
    orders: Orders
    activities: Activities
    projects: Projects
    plans: Plans
    awards: Awards
    insurance: Insurance
    catalog: Catalog
    redemptions: Redemptions
    donations: Donations
    kiosks: Kiosks
    #: People's sign-in accounts, and signing in with them.
    logins: Logins
    sign_ins: SignIns
    #: Volunteers' and residents' registrations of their own.
    registrations: Registrations
    residents: Residents
    phone_codes: PhoneCodes
    quotas: Quotas
    #: The log adapter's messages (development; the gateway in use may be HTTP).
    sms_log: LogSms
    webhooks: Webhooks
    webhook_endpoints: WebhookEndpoints
    read_marks: ReadMarks
    #: Sends the outbox's messages (SMS, webhooks) after the writes that made them.
    deliveries: Deliveries
    #: Sends the outbox's messages in threads of its own (every serve process).
    delivery: DeliveryWorker
    certificates: Certificates
    imports: HoursImports
    clock: Clock
    tokens: TokenStore
    vault: VaultReader
    runner: ProjectionRunner
    reads: ReadModels
    #: The programme's reads: projects, plans, awards, trainings, insurance.
    programme: ProgrammeReads
    #: Sign-in accounts (and registrations, residents, notifications).
    people: PeopleReads
    projector: InProcessProjector | None
    readiness: Readiness
    sweeper: Sweeper
    #: Runs the projector (embedded) and the sweeper in one process of several.
    leadership: Leadership
    kiosk_identification: KioskIdentification
    kiosk_sessions: KioskSessions
    audit: Audit
    #: The topic's partitions on the broker, for the consumer group's lag (Kafka).
    broker_offsets: BrokerOffsets | None = None

    def kafka_bootstrap(self) -> str:
        if self.settings.kafka_bootstrap is None:
            raise ConfigurationError("set VLEDGER_KAFKA_BOOTSTRAP to use Kafka")
        return self.settings.kafka_bootstrap

    def relay(self) -> Relay:
        return Relay(
            self.store,
            self.db,
            self.kafka_bootstrap(),
            self.settings.kafka_topic,
            self.settings.kafka_partitions,
        )

    def kafka_projector(self, partitions: list[int] | None = None) -> KafkaProjector:
        return KafkaProjector(
            self.store.decoder,
            self.runner,
            self.kafka_bootstrap(),
            self.settings.kafka_topic,
            self.settings.projector_group,
            partitions,
            self.settings.project_batch_size,
        )

    def close(self) -> None:
        if self.projector is not None:
            self.projector.stop()
        if self.broker_offsets is not None:
            self.broker_offsets.close()
        self.store.close()
        self.db.close()
