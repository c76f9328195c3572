"""Shared fixtures. Storage tests run against a real Postgres: the one named by
VLEDGER_TEST_DATABASE_URL (a role allowed to create databases), or else an embedded
server started once per session. Each test gets a database of its own."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from application.services import Container
from domain.access import Actor, Role
from entrypoints.container import build
from infra.settings import Settings, new_master_key
from tests.durability import relax_durability

#: A fixed "now" so that tests of time rules do not depend on the wall clock.
NOW = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture(scope="session")
def admin_url() -> Iterator[str]:
    external = os.environ.get("VLEDGER_TEST_DATABASE_URL")
    if external:
        yield external
        return
    from infra.embedded_pg import start_embedded_postgres

    home = Path(tempfile.mkdtemp(prefix="vledger-test-"))
    url = start_embedded_postgres(home, database="postgres", delete_on_exit=True)
    relax_durability(url)
    yield url


@pytest.fixture
def fresh_database(admin_url: str) -> Iterator[Callable[[], str]]:
    """Creates empty databases on demand; drops them after the test."""
    names: list[str] = []

    def create() -> str:
        name = f"vledger_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        names.append(name)
        return make_conninfo(admin_url, dbname=name)

    yield create
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name in names:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )


@pytest.fixture
def database_url(fresh_database: Callable[[], str]) -> str:
    return fresh_database()


@pytest.fixture(scope="session")
def broker() -> Iterator[str]:
    """A Tansu broker for the whole session, started only when a test needs it."""
    from tests.broker import start_broker

    running = start_broker()
    yield running.bootstrap
    running.stop()


@pytest.fixture
def kafka_settings(broker: str) -> dict[str, object]:
    """Kafka mode on a topic of the test's own, so tests never share events."""
    return {
        "kafka_bootstrap": broker,
        "kafka_topic": f"vledger.test.{uuid.uuid4().hex}",
    }


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        master_key=new_master_key(),
        home=tmp_path / "home",
        # Tests send the outbox themselves (Deliveries.deliver_due), in step with
        # their clock; the delivery threads have tests of their own.
        delivery_threads=0,
    )


@pytest.fixture
def make_container(
    settings: Settings, clock: Clock
) -> Iterator[Callable[..., Container]]:
    made: list[Container] = []

    def make(**overrides: object) -> Container:
        container = build(
            Settings(**{**settings.model_dump(), **overrides}), clock=clock
        )
        made.append(container)
        return container

    yield make
    for container in made:
        container.close()


@pytest.fixture
def container(make_container: Callable[..., Container]) -> Container:
    return make_container()


@pytest.fixture
def admin() -> Actor:
    return Actor(Role.ADMIN, uuid.uuid4(), "test-admin")


def event_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM vledger_events").fetchone()
        return int(row[0]) if row else 0


@pytest.fixture
def cli_env(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI pointed at the test's database."""
    for name, value in (
        ("VLEDGER_DATABASE_URL", settings.database_url),
        ("VLEDGER_MASTER_KEY", settings.master_key),
    ):
        monkeypatch.setenv(name, value.get_secret_value())  # type: ignore[union-attr]
    monkeypatch.setenv("VLEDGER_HOME", str(tmp_path / "cli"))
