"""When events are recorded: now, unless a seeder is recording a past.

The demo district's history was recorded across April–November 2026: its seeder runs
each command inside `recording_at(T)`, so that the command both sees T as now (the
ledger's clock asks `backdated()` first: "service has happened by now" holds at T) and
stamps its events with T. An as-of replay or assessment of the demo then shows the
district as it stood on any day of that history. Nothing else back-dates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from eventsourcing.domain import CanCreateTimestamp, datetime_now_with_tzinfo

_RECORDING: ContextVar[datetime | None] = ContextVar(
    "vledger_recording_at", default=None
)


def backdated() -> datetime | None:
    """The instant being recorded at, when a seeder is back-dating."""
    return _RECORDING.get()


@contextmanager
def recording_at(instant: datetime) -> Iterator[None]:
    """Commands run inside record their events at `instant` and see it as now."""
    if instant.tzinfo is None:
        raise ValueError("a recording instant needs a UTC offset")
    token = _RECORDING.set(instant)
    try:
        yield
    finally:
        _RECORDING.reset(token)


def event_timestamp() -> datetime:
    return _RECORDING.get() or datetime_now_with_tzinfo()


# The library stamps every event with `create_timestamp()` of its class, which all
# our events inherit from CanCreateTimestamp: one assignment covers them all.
CanCreateTimestamp.create_timestamp = staticmethod(event_timestamp)  # type: ignore[method-assign]
