"""The application of one `vledger serve --workers N` process.

The parent process resolved the database (starting the embedded Postgres when none
is configured) and the master key, and passed both in the environment; each worker
builds its own container from it. Only the worker that wins the leadership runs
the projector and the sweeper (`infra/leadership.py`)."""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app, served
from entrypoints.container import build
from infra import logs
from infra.settings import Settings


def app() -> FastAPI:
    settings = Settings()
    logs.configure(settings.log_format)
    return served(create_app(build(settings), owns_container=True))
