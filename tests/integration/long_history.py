"""A long history for one volunteer, written the way commands write it (hours and
their points, some corrected and revoked), in saves the group committer takes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from application.hours import record_entry
from application.services import Container
from domain.volunteer import TimeSpan
from tests.integration.helpers import DETAILS

#: Entries per save: hours and points are two events each.
PER_SAVE = 50


def give_entries(
    container: Container,
    person: UUID,
    unit: UUID,
    entries: int,
    corrections: bool = False,
    offset: int = 0,
) -> None:
    """`entries` hour-long entries, a day apart going back from yesterday (skipping
    the first `offset` days); with `corrections`, every tenth is shortened and every
    fifteenth revoked, with their points settled again."""
    aggregates, clock = container.aggregates, container.clock
    terms = aggregates.policy().terms
    start = clock.now().replace(minute=0, second=0, microsecond=0)
    for first in range(offset, offset + entries, PER_SAVE):
        volunteer, account = aggregates.volunteer(person), aggregates.account(person)
        for day in range(first, min(first + PER_SAVE, offset + entries)):
            begin = start - timedelta(days=day + 1)
            span = TimeSpan(begin, begin + timedelta(hours=1))
            record_id = uuid4()
            record_entry(
                volunteer, account, record_id, unit, span, DETAILS, terms, clock, "t"
            )
            if corrections and day % 15 == 0:
                volunteer.revoke_hours(record_id, "重复", "t")
                account.settle_source(record_id, "hours", Decimal(0), 1, "撤销", "t")
            elif corrections and day % 10 == 0:
                shorter = volunteer.correct_hours(
                    record_id,
                    None,
                    begin + timedelta(minutes=30),
                    "改",
                    terms,
                    clock.now(),
                    clock.skew,
                    "t",
                )
                points = terms.points_for(shorter.hours)
                account.settle_source(record_id, "hours", points, 1, "更正", "t")
        container.store.save([volunteer, account])
