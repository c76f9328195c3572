import copy
import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

from domain.account import CreditAccount
from domain.catalog import CatalogItem
from domain.copying import IMMUTABLE, copy_value
from domain.volunteer import RequestState, Volunteer
from tests.unit.test_volunteer import NOW, SKEW, new_volunteer, record, span


def a_volunteer_with_history() -> Volunteer:
    volunteer = new_volunteer()
    first = record(volunteer, span(30, 60))
    record(volunteer, span(20, 90))
    volunteer.request_correction(
        uuid4(), first, None, None, True, "wrong day", NOW, SKEW
    )
    volunteer.sign_up(uuid4(), span(-48, 120))
    return volunteer


def test_a_copied_volunteer_has_the_same_state() -> None:
    volunteer = a_volunteer_with_history()
    clone = copy.deepcopy(volunteer)
    assert vars(clone) == vars(volunteer)
    assert clone.live_entries() == volunteer.live_entries()


def test_changing_a_copied_volunteer_leaves_the_original_alone() -> None:
    volunteer = a_volunteer_with_history()
    record_id = next(iter(volunteer.entries))
    request_id = next(iter(volunteer.requests))
    clone = copy.deepcopy(volunteer)
    clone.reject_correction(request_id, "not so", "coordinator")
    clone.revoke_hours(record_id, "mistake", "coordinator")
    record(clone, span(10, 30))
    clone.signups.clear()
    assert not volunteer.entries[record_id].revoked
    assert volunteer.requests[request_id].state is RequestState.PENDING
    assert len(volunteer.entries) == 2
    assert volunteer.signups
    assert len(clone.pending_events) > len(volunteer.pending_events)


def test_changing_the_original_after_a_copy_leaves_the_copy_alone() -> None:
    """The cached aggregate is fast-forwarded in place while a command still
    holds the copy it was given: their entries share rows until one changes."""
    volunteer = a_volunteer_with_history()
    record_id = next(iter(volunteer.entries))
    clone = copy.deepcopy(volunteer)
    volunteer.revoke_hours(record_id, "mistake", "coordinator")
    record(volunteer, span(10, 30))
    assert not clone.entries[record_id].revoked
    assert len(clone.entries) == 2
    assert clone.verified_hours == volunteer.verified_hours + 1 - Decimal("0.5")


def test_changing_a_copied_account_leaves_the_original_alone() -> None:
    account = CreditAccount(volunteer_id=uuid4())
    source = uuid4()
    account.settle_source(source, "hours", Decimal(20), 1, "hours recorded", "a")
    clone = copy.deepcopy(account)
    clone.settle_source(source, "hours", Decimal(0), 1, "revoked", "a")
    assert account.balance == 20
    assert account.credited_for(source) == 20
    assert clone.balance == 0
    account.settle_source(source, "hours", Decimal(30), 1, "corrected", "a")
    assert clone.credited_for(source) == 0  # and the other way round


def test_frozen_records_in_aggregate_state_hold_only_immutable_values() -> None:
    """Frozen records are shared between copies, so none may hold a mutable value.
    (Pending events are shared too: they record what happened and never change.)"""

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple | set):
            for item in value:
                walk(item)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = vars(value).values()
            if value.__dataclass_params__.frozen:  # type: ignore[attr-defined]
                assert all(
                    v is None
                    or isinstance(v, IMMUTABLE)
                    or (dataclasses.is_dataclass(v) and v.__dataclass_params__.frozen)  # type: ignore[union-attr]
                    for v in fields
                ), value
            for item in fields:
                walk(item)

    state = vars(a_volunteer_with_history())
    walk({k: v for k, v in state.items() if k != "_pending_events"})


def immutable(value: Any) -> bool:
    if value is None or isinstance(value, IMMUTABLE):
        return True
    if type(value) is tuple:
        return all(immutable(item) for item in value)
    return dataclasses.is_dataclass(value) and value.__dataclass_params__.frozen  # type: ignore[union-attr]


def test_containers_copied_flat_hold_only_immutable_items() -> None:
    account = CreditAccount(volunteer_id=uuid4())
    account.settle_source(uuid4(), "hours", Decimal(20), 1, "hours recorded", "a")
    account.hold(uuid4(), Decimal(5))
    rice = CatalogItem.list(uuid4(), uuid4(), "大米", Decimal(5), 9, 2, "c")
    rice.reserve(uuid4(), 1, uuid4(), date(2026, 6, 1))
    for aggregate in (a_volunteer_with_history(), account, rice):
        assert aggregate.flat_copied
        for name in aggregate.flat_copied:
            container = getattr(aggregate, name)
            assert container, name
            items = container.values() if isinstance(container, dict) else container
            assert all(immutable(item) for item in items), name
            clone = copy.deepcopy(aggregate)
            assert getattr(clone, name) == container
            assert getattr(clone, name) is not container


def test_values_of_unknown_mutable_types_are_deep_copied() -> None:
    class Bag:
        def __init__(self) -> None:
            self.items = [1, 2]

    bag = Bag()
    copied = copy_value({"bag": bag}, {})
    copied["bag"].items.append(3)
    assert bag.items == [1, 2]
