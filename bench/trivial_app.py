"""The HTTP ceiling of this machine: the hours endpoint's path and body, parsed by
FastAPI the same way, and nothing written."""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.post("/v1/volunteers/{volunteer_id}/hours", status_code=201)
def record(volunteer_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"record_id": volunteer_id, "hours": 0.5, "position": 0}


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    uvicorn.run(
        "bench.trivial_app:app",
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_level="warning",
    )
