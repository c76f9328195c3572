from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from application.services import Container
from entrypoints.demo import DEMO_DAYS, WINDOW_START, DemoSeeder
from tests.conftest import Clock
from tests.pipeline import KafkaPipeline


@dataclass
class Fed:
    """A ledger and the way its read models are fed: `sync` brings them up to date."""

    container: Container
    sync: Callable[[], object]


@pytest.fixture(params=["in_process", "kafka"])
def fed(
    request: pytest.FixtureRequest, make_container: Callable[..., Container]
) -> Iterator[Fed]:
    if request.param == "in_process":
        container = make_container()
        assert container.projector is not None
        yield Fed(container, container.projector.catch_up)
        return
    kafka_settings = request.getfixturevalue("kafka_settings")
    container = make_container(**kafka_settings)
    pipeline = KafkaPipeline(container)
    yield Fed(container, pipeline.catch_up)
    pipeline.close()


@pytest.fixture
def demo(container: Container, clock: Clock) -> Container:
    """A small demo district, recorded through the use cases and projected."""
    clock.now = WINDOW_START + timedelta(days=DEMO_DAYS + 1)
    DemoSeeder(container).seed(volunteers=40, orders=11, months=1)
    assert container.projector is not None
    container.projector.catch_up()
    return container
