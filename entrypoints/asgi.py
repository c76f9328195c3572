"""The application of one `vledger serve --workers N` process.

The parent process resolved the database (starting the embedded Postgres when none
is configured) and the master key, and passed both in the environment; each worker
builds its own container from it. Only the worker that wins the leadership runs
the projector and the sweeper (`infra/leadership.py`)."""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app, served
from entrypoints.cli import configure_logging
from entrypoints.container import build
from infra.settings import Settings


def app() -> FastAPI:
    configure_logging()
    return served(create_app(build(Settings()), owns_container=True))
