from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from application.services import Container
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
