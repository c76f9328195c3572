"""Loading several aggregates in one round trip, on real Postgres."""

from __future__ import annotations

import copy
from collections.abc import Callable
from uuid import uuid4

from application.services import Container
from domain.access import Actor
from domain.ids import account_id_for
from domain.policy import POLICY_ID
from domain.volunteer import Volunteer
from tests.integration.helpers import make_district, record, register
from tests.integration.test_group_commit import hours


def test_one_load_brings_every_aggregate_a_command_needs(
    container: Container, admin: Actor
) -> None:
    district = make_district(container, admin)
    person = register(container, admin, district.station)
    missing = uuid4()
    loaded = container.aggregates.load(
        district.station, person, POLICY_ID, account_id_for(person), missing
    )
    assert set(loaded) == {district.station, person, POLICY_ID, account_id_for(person)}
    assert isinstance(loaded[person], Volunteer)


def test_a_cached_aggregate_catches_up_with_another_process(
    make_container: Callable[..., Container], admin: Actor
) -> None:
    ours, theirs = make_container(), make_container()
    district = make_district(ours, admin)
    person = register(ours, admin, district.station)
    record(
        ours, admin, person, district.station, hours(district.station, 2).started_at, 60
    )
    assert len(ours.aggregates.volunteer(person).entries) == 1  # now cached here
    record(
        theirs,
        admin,
        person,
        district.station,
        hours(district.station, 1).started_at,
        60,
    )
    assert len(ours.aggregates.volunteer(person).entries) == 2


def test_a_changed_copy_leaves_the_cache_as_it_was(
    container: Container, admin: Actor
) -> None:
    district = make_district(container, admin)
    person = register(container, admin, district.station)
    volunteer = container.aggregates.volunteer(person)
    volunteer.deactivate("moved away", "test")  # decided, never saved
    assert container.aggregates.volunteer(person).status.value == "active"


def test_a_committed_aggregate_is_cached_but_never_over_a_newer_one(
    container: Container, admin: Actor
) -> None:
    district = make_district(container, admin)
    person = register(container, admin, district.station)
    older = container.aggregates.volunteer(person)
    record(
        container,
        admin,
        person,
        district.station,
        hours(district.station, 1).started_at,
        60,
    )
    loader = container.store.loader
    assert loader is not None
    loader.remember([copy.deepcopy(older)])
    cache = loader.repository.cache
    assert cache is not None
    assert cache.get(person).version == older.version + 1
    assert len(container.aggregates.volunteer(person).entries) == 1
