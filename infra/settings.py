"""The one Settings object. Every environment variable the service reads is here."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from infra.destinations import Network, parse_networks
from infra.logs import LogFormat
from infra.signing import seed_from_master_key

MASTER_KEY_BYTES = 32


class ConfigurationError(RuntimeError):
    """The service cannot start with these settings."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VLEDGER_", extra="ignore")

    database_url: SecretStr | None = Field(
        default=None,
        description="Postgres URL; unset runs an embedded Postgres under VLEDGER_HOME.",
    )
    home: Path = Field(default=Path(".vledger"), description="Local state directory.")
    master_key: SecretStr | None = Field(
        default=None,
        description="Base64 of 32 bytes wrapping the per-person PII keys. Required "
        "with VLEDGER_DATABASE_URL; the embedded default generates one.",
    )
    signing_key: SecretStr | None = Field(
        default=None,
        description="Base64 of the 32-byte Ed25519 seed that signs checkpoints; "
        "unset derives one from the master key.",
    )
    kafka_bootstrap: str | None = Field(
        default=None,
        description="Kafka bootstrap servers; unset feeds projections in-process.",
    )
    kafka_topic: str = Field(default="vledger.events", pattern=r"^[A-Za-z0-9._-]+$")
    hold_sweep_seconds: float = Field(
        default=10,
        gt=0,
        description="How often serve expires unconfirmed holds and forgets "
        "idempotency keys past their retention.",
    )
    idempotency_retention_hours: float = Field(
        default=24,
        ge=24,
        description="How long a stored response answers a retried Idempotency-Key "
        "(at least 24 h, as the IETF draft asks).",
    )
    project_batch_size: int = Field(
        default=2000,
        ge=1,
        le=10_000,
        description="Most events a projector batch holds.",
    )
    kafka_group: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9._-]+$",
        description="The projectors' consumer group (default: vledger-projectors."
        "<topic>); projectors in one group share the topic's partitions.",
    )
    kafka_partitions: int = Field(
        default=3,
        ge=1,
        le=256,
        description="Partitions of the topic the relay creates.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    clock_skew_seconds: int = Field(
        default=300, ge=0, description="How far in the future an entry may end."
    )
    read_wait_seconds: float = Field(
        default=2.0, ge=0, description="How long a read waits for min_position."
    )
    order_accept_deadline_hours: float = Field(
        default=48, gt=0, description="Orders not accepted by then show as overdue."
    )
    group_commit: bool = Field(
        default=True,
        description="Save concurrent commands' events together in one transaction "
        "(each answered once it committed); off: one transaction per command.",
    )
    db_pool_size: int = Field(
        default=12,
        ge=1,
        description="Connections for all but the event store; 4 queued kiosk "
        "requests behind one another (docs/performance.md).",
    )
    access_token_minutes: int = Field(
        default=15,
        ge=1,
        le=24 * 60,
        description="How long a signed-in person's access token lives; the refresh "
        "token gets a new one.",
    )
    session_days: int = Field(
        default=30,
        ge=1,
        le=365,
        description="How long a sign-in lasts at most, refreshed or not.",
    )
    sign_in_free_failures: int = Field(
        default=3,
        ge=0,
        le=100,
        description="Wrong passwords on one login name answered at once; each "
        "further one doubles the wait before the next attempt (2 s, 4 s, ... 5 min).",
    )
    sign_in_lock_after: int = Field(
        default=10,
        ge=2,
        le=1000,
        description="Wrong passwords in a row that lock a login until staff unlock it.",
    )
    sms_gateway_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/?#]+(/[^\s#]*)?$",
        description="The district's SMS gateway (messages POSTed as signed JSON); "
        "unset: SMS go to the log and the sms_log table (development).",
    )
    sms_gateway_secret: SecretStr | None = Field(
        default=None, description="Signs what is POSTed to the SMS gateway."
    )
    delivery_threads: int = Field(
        default=4,
        ge=0,
        le=64,
        description="Threads of each serve process that send SMS and webhooks, each "
        "to another destination at a time; 0: none (messages wait in the outbox).",
    )
    webhook_allowed_networks: str = Field(
        default="",
        description="Networks (comma-separated CIDRs or addresses) webhooks may "
        "reach besides public addresses, e.g. the intranet's duty bot at "
        "10.12.0.0/16; loopback, private and reserved ones are refused otherwise.",
    )
    readmodel_schema: str = Field(default="readmodel", pattern=r"^[a-z_][a-z0-9_]*$")
    log_format: LogFormat = Field(
        default="auto",
        description="Log lines as JSON (with the request id of each request's lines) "
        "or text; auto: text on a terminal, JSON otherwise.",
    )
    pg_bin: Path | None = Field(
        default=None,
        description="The directory of pg_dump, pg_restore and psql for `vledger "
        "backup` and `restore`; unset: those of the bundled Postgres 18, which "
        "read any server up to 18.",
    )
    public_base_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        description="Where third parties reach the service: printed certificates "
        "carry their verification link (and its QR code) on it. Unset: "
        "http://HOST:PORT.",
    )

    def sms_gateway(self) -> tuple[str, str] | None:
        """The gateway's URL and signing secret, or None for the log adapter."""
        if self.sms_gateway_url is None:
            return None
        if self.sms_gateway_secret is None:
            raise ConfigurationError(
                "VLEDGER_SMS_GATEWAY_SECRET is required with VLEDGER_SMS_GATEWAY_URL"
            )
        return self.sms_gateway_url, self.sms_gateway_secret.get_secret_value()

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _networks(cls, text: str) -> str:
        parse_networks(text)  # a ValueError names the entry
        return text

    @property
    def webhook_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.webhook_allowed_networks)

    @property
    def public_url(self) -> str:
        return (self.public_base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def projector_group(self) -> str:
        return self.kafka_group or f"vledger-projectors.{self.kafka_topic}"

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    def master_key_bytes(self) -> bytes:
        if self.master_key is not None:
            return decode_master_key(self.master_key.get_secret_value())
        if not self.embedded:
            raise ConfigurationError(
                "VLEDGER_MASTER_KEY is required when VLEDGER_DATABASE_URL is set "
                "(base64 of 32 random bytes, e.g. `vledger keygen`)"
            )
        return _load_or_create_key_file(self.home / "master.key")

    def signing_seed(self) -> bytes:
        """The checkpoint signing key's seed: VLEDGER_SIGNING_KEY, or derived from
        the master key (infra/signing.py)."""
        if self.signing_key is not None:
            key = self.signing_key.get_secret_value()
            return decode_key(key, "VLEDGER_SIGNING_KEY")
        return seed_from_master_key(self.master_key_bytes())


def decode_key(text: str, name: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError(f"{name} is not valid base64") from None
    if len(key) != MASTER_KEY_BYTES:
        raise ConfigurationError(f"{name} must decode to 32 bytes")
    if len(set(key)) < 8:
        raise ConfigurationError(f"{name} looks like a placeholder, not a key")
    return key


def decode_master_key(text: str) -> bytes:
    return decode_key(text, "VLEDGER_MASTER_KEY")


def new_master_key() -> str:
    return base64.b64encode(secrets.token_bytes(MASTER_KEY_BYTES)).decode()


def _load_or_create_key_file(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return decode_master_key(path.read_text())
    with os.fdopen(fd, "w") as handle:
        handle.write(new_master_key() + "\n")
    return decode_master_key(path.read_text())
