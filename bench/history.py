"""A large, realistic event history, written fast: volunteers with many hour entries
and their credited points, built with the domain aggregates (so every event is a real
one) and saved in big batches through the ledger (so the chain covers them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from application.services import Container
from domain.account import CreditAccount
from domain.policy import default_policy
from domain.volunteer import ServiceDetails, TimeSpan, Volunteer

ENTRIES_PER_VOLUNTEER = 100
#: Each entry is two events (hours recorded, points credited) plus two to open.
EVENTS_PER_VOLUNTEER = 2 + 2 * ENTRIES_PER_VOLUNTEER
#: Larger saves (about 500 kB of events in one statement) hang in psycopg's pipeline
#: mode (psycopg issue 685, still seen with 3.3.9 and libpq 18): keep saves small.
VOLUNTEERS_PER_SAVE = 1
DETAILS = ServiceDetails("社区清扫", "双泉社区", "辖区居民", "清理楼道", "李站长")


def volunteer_with_history(
    number: int, unit_id: UUID, entries: int = ENTRIES_PER_VOLUNTEER
) -> list[Volunteer | CreditAccount]:
    terms = default_policy().terms
    volunteer = Volunteer(
        volunteer_id=uuid4(),
        volunteer_number=f"V{number:08d}",
        unit_id=unit_id,
        gender="female",
        birth_year=1980,
        name_masked="王**",
        id_number_masked="3712**********0023",
        phone_masked="138****5678",
        skills=[],
        party_member=False,
        actor="bench",
    )
    account = CreditAccount(volunteer_id=volunteer.id)
    start = datetime(2024, 1, 1, 1, tzinfo=UTC)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for day in range(entries):
        begin = start + timedelta(days=day)
        record_id = uuid4()
        entry = volunteer.record_hours(
            record_id,
            unit_id,
            TimeSpan(begin, begin + timedelta(hours=2)),
            DETAILS,
            terms,
            now,
            timedelta(0),
            "bench",
        )
        account.settle_source(
            record_id, "hours", terms.points_for(entry.hours), 1, "bench", "bench"
        )
    return [volunteer, account]


def write_history(container: Container, events: int) -> int:
    """Writes about `events` events; returns how many volunteers carry them."""
    volunteers = max(1, events // EVENTS_PER_VOLUNTEER)
    unit_id = uuid4()
    for first in range(0, volunteers, VOLUNTEERS_PER_SAVE):
        batch = []
        for number in range(first, min(first + VOLUNTEERS_PER_SAVE, volunteers)):
            batch.extend(volunteer_with_history(number + 1, unit_id))
        container.store.save(batch)
    return volunteers
