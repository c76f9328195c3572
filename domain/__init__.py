"""Pure domain model of volunteer-ledger: aggregates, events, value objects, policies.

Nothing in this package performs I/O; time is always passed in by the caller.
"""
