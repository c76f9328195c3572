"""Pure domain model of volunteer-ledger: aggregates, events, value objects, policies.

Nothing in this package performs I/O; time is always passed in by the caller (events
are stamped by domain/recording.py, imported here so that it covers every event).
"""

from domain import recording as _recording  # noqa: F401
