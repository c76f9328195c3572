"""The demo district's ids and calendar, shared by the seeder's modules."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID, uuid5

from domain.ids import NAMESPACE
from domain.reference import CHINA_TIME

WINDOW_START = datetime(2026, 4, 1, tzinfo=CHINA_TIME)  # activities in local daytime
CENTER_NAME = "钢城区新时代文明实践中心"


def demo_id(*parts: object) -> UUID:
    return uuid5(NAMESPACE, "demo/" + "/".join(str(p) for p in parts))


CENTER_ID = demo_id("unit", CENTER_NAME)


def day(n: int, hours: float = 0) -> datetime:
    """`hours` into day `n` of the history (China time)."""
    return WINDOW_START + timedelta(days=n, hours=hours)
