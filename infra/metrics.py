"""Prometheus metrics (`prometheus-client`), served at `GET /metrics`.

Two kinds. What a process does (requests, group-commit batches, sweeps) is counted
where it happens, in the library's default registry; under `vledger serve --workers
N` every worker writes its counts to PROMETHEUS_MULTIPROC_DIR and a scrape of any of
them sums them all. What the ledger stands at (the log's head, the relay's and the
projections' lag, dead letters, the chain's last checkpoint and verification, the
consumer group's lag on the broker) is read from the database and the broker when
scraped (`LedgerCollector`), so it is the same whichever process answers and covers
the relay and projector processes too."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter(
    "vledger_http_requests",
    "HTTP requests answered.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "vledger_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
BATCH_COMMANDS = Histogram(
    "vledger_group_commit_batch_commands",
    "Commands saved together in one group-commit transaction.",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
BATCH_EVENTS = Histogram(
    "vledger_group_commit_batch_events",
    "Events saved in one group-commit transaction.",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
COMMIT_SECONDS = Histogram(
    "vledger_group_commit_seconds",
    "Time to save one group-commit batch (its transaction, the chain included).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
COMMIT_FAILURES = Counter(
    "vledger_group_commit_failures",
    "Group-commit batches whose save failed (a constraint: saved again one by one).",
)
DELIVERIES = Counter(
    "vledger_deliveries",
    "Outbox messages sent (delivered) or tried in vain (failed), by channel.",
    ["channel", "outcome"],
)
SWEEPS = Counter("vledger_sweeper_sweeps", "Sweeps run by the leading process.")
SWEEP_FAILURES = Counter(
    "vledger_sweeper_failures", "Sweeps that failed (tried again on the next one)."
)
SWEPT = Counter(
    "vledger_sweeper_items",
    "What the sweeper did: holds expired, idempotency keys forgotten, reminders "
    "added, notifications dispatched.",
    ["kind"],
)


#: A reading of the ledger's state: metric families from the database or broker.
Reading = Callable[[], list[Metric]]


class LedgerCollector(Collector):
    """Gauges read at scrape time; a reading that fails (a broker down) is left
    out and logged, so the rest of the scrape still answers."""

    def __init__(self, readings: list[Reading]) -> None:
        self.readings = readings

    def collect(self) -> Iterator[Metric]:
        for reading in self.readings:
            try:
                yield from reading()
            except Exception as error:  # a scrape must not fail on one source
                log.warning("metrics: %s failed: %s", reading.__name__, error)

    def describe(self) -> list[Metric]:
        return []  # read at scrape time: nothing to check in advance


def gauge(
    name: str, text: str, labels: list[str] | None = None, value: float | None = None
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, text, labels=labels)
    if value is not None:
        family.add_metric([], value)
    return family


def exposition(ledger: LedgerCollector) -> bytes:
    """The text a scrape reads: this process's (or, with several workers, every
    worker's) counts, then the ledger's state."""
    directory = os.environ.get(MULTIPROCESS_DIR)
    if directory:
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted, path=directory)  # type: ignore[no-untyped-call]
    else:
        counted = REGISTRY
    state = CollectorRegistry(auto_describe=False)
    state.register(ledger)
    return generate_latest(counted) + generate_latest(state)


def labelled(family: GaugeMetricFamily, rows: list[tuple[list[str], Any]]) -> Metric:
    for labels, value in rows:
        family.add_metric(labels, float(value))
    return family


def ledger_families(state: dict[str, Any]) -> list[Metric]:
    """Gauges of `application.status.ledger_state`."""
    projections = state["projections"]
    by_projection = [([p["projection"]], p) for p in projections]
    families: list[Metric] = [
        gauge(
            "vledger_event_store_head",
            "Notification id of the last event.",
            value=state["head"],
        ),
        gauge(
            "vledger_dead_letters",
            "Events parked by all projections.",
            value=state["dead_letters"],
        ),
    ]
    for name, key, text in (
        ("position", "position", "Position up to which every event is applied."),
        ("lag_events", "lag_events", "Events recorded but not yet applied."),
        ("lag_seconds", "lag_seconds", "Age of the oldest event not yet applied."),
        ("dead_letters", "dead_letters", "Events this projection parked."),
    ):
        family = gauge(f"vledger_projection_{name}", text, ["projection"])
        families.append(labelled(family, [(lb, p[key]) for lb, p in by_projection]))
    if state["relayed"] is not None:
        families += [
            gauge(
                "vledger_relay_position",
                "Last notification id published.",
                value=state["relayed"],
            ),
            gauge(
                "vledger_relay_lag_events",
                "Events not yet published.",
                value=state["head"] - state["relayed"],
            ),
            gauge(
                "vledger_relay_lag_seconds",
                "Age of the oldest event not yet published.",
                value=state["relay_lag_seconds"],
            ),
        ]
    families += _chain_families(state["chain"])
    return families


def _chain_families(chain: dict[str, Any]) -> list[Metric]:
    families: list[Metric] = [
        gauge(
            "vledger_chain_head",
            "Notification id of the chain's last link.",
            value=chain.get("head") or 0,
        ),
    ]
    if chain.get("checkpoint") is not None:
        families += [
            gauge(
                "vledger_chain_checkpoint",
                "Position of the latest checkpoint.",
                value=chain["checkpoint"],
            ),
            gauge(
                "vledger_chain_checkpoint_timestamp_seconds",
                "When the latest checkpoint was made.",
                value=chain["checkpoint_at"].timestamp(),
            ),
        ]
    if chain.get("verified_at") is not None:
        families += [
            gauge(
                "vledger_chain_verified_through",
                "Head reached by the last whole "
                "verification (GET /v1/audit/chain, vledger audit verify).",
                value=chain["verified_through"],
            ),
            gauge(
                "vledger_chain_intact",
                "1 when the last whole verification found every link holding, else 0.",
                value=int(chain["intact"]),
            ),
            gauge(
                "vledger_chain_verified_timestamp_seconds",
                "When the chain was last verified whole.",
                value=chain["verified_at"].timestamp(),
            ),
        ]
    return families


def group_families(rows: list[dict[str, Any]], group: str, topic: str) -> list[Metric]:
    """Named and labelled as Kafka consumer-group exporters name them, so that
    dashboards made for those read these."""
    labels = ["consumergroup", "topic", "partition"]
    current = gauge(
        "kafka_consumergroup_current_offset",
        "The group's next offset to read, per partition.",
        labels,
    )
    lag = gauge(
        "kafka_consumergroup_lag",
        "Log-end offset minus the group's current offset.",
        labels,
    )
    end = gauge(
        "kafka_topic_partition_current_offset",
        "The partition's log-end offset.",
        ["topic", "partition"],
    )
    for row in rows:
        key = [group, topic, str(row["partition"])]
        current.add_metric(key, row["current_offset"])
        lag.add_metric(key, row["lag"])
        end.add_metric([topic, str(row["partition"])], row["end_offset"])
    return [current, lag, end]
