"""Events are stamped when they are recorded: now, or the instant a seeder records
a past at (domain/recording.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.organisation import Unit, UnitKind
from domain.recording import backdated, recording_at
from domain.reference import CHINA_TIME

APRIL = datetime(2026, 4, 1, 8, tzinfo=CHINA_TIME)


def centre() -> Unit:
    return Unit.register(uuid4(), "钢城区中心", UnitKind.CENTER, None, 300_000, "admin")


def test_events_recorded_inside_a_past_instant_carry_it() -> None:
    with recording_at(APRIL):
        unit = centre()
        assert backdated() == APRIL
    (registered,) = unit.collect_events()
    assert registered.timestamp == APRIL
    assert unit.populations == {2026: 300_000}  # the year of the recording
    assert backdated() is None


def test_events_recorded_otherwise_carry_the_wall_clock() -> None:
    before = datetime.now(UTC)
    (registered,) = centre().collect_events()
    assert before <= registered.timestamp <= datetime.now(UTC) + timedelta(seconds=1)


def test_a_recording_instant_needs_an_offset() -> None:
    with pytest.raises(ValueError, match="offset"), recording_at(datetime(2026, 4, 1)):
        pass
