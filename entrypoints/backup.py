"""`vledger backup` and `vledger restore`: the write side dumped with Postgres's own
tools, and restored into an empty database that then proves itself: the hash chain
verified, the read models rebuilt from the log, the restored head held against the
latest checkpoint the district signed."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from application.services import Container
from entrypoints.container import build, database_url
from infra.backup import BackupError, PostgresTools, bundled_tools, user_relations
from infra.feed import EventStoreFeed, catch_up
from infra.settings import Settings
from infra.vault import Vault

log = logging.getLogger(__name__)


def tools(settings: Settings, url: str) -> PostgresTools:
    return PostgresTools(settings.pg_bin or bundled_tools(), url)


def backup(container: Container, path: Path) -> dict[str, Any]:
    """A signed checkpoint of the head, then the dump (which therefore holds it):
    keep the printed checkpoint apart from the file."""
    checkpoint = container.audit.checkpoint()
    log.info("dumping the write side to %s", path)
    size = tools(container.settings, container.db.url).dump(path)
    return {"file": str(path), "bytes": size, "checkpoint": checkpoint}


def restore(settings: Settings, path: Path) -> dict[str, Any]:
    """Restores `path` into the configured database, which must be empty, and
    reports what the restored log proves. Raises BackupError, having written
    nothing, when it cannot."""
    url = database_url(settings)
    if found := user_relations(url):
        raise BackupError(
            f"the database is not empty (it holds {', '.join(found)}): "
            "restore into a new database"
        )
    log.info("restoring %s", path)
    tools(settings, url).restore(path, Vault(settings.master_key_bytes()).key_id)
    container = build(settings)
    try:
        return proven(container, path)
    finally:
        container.close()


def proven(container: Container, path: Path) -> dict[str, Any]:
    log.info("verifying the hash chain")
    chain = container.audit.chain()
    log.info("rebuilding the read models from the log")
    position = catch_up(EventStoreFeed(container.store), container.runner)
    checkpoint = container.audit.latest_signed_checkpoint()
    report: dict[str, Any] = {
        "restored_from": str(path),
        "chain": chain.summary(),
        "read_models": {
            "schema": container.settings.readmodel_schema,
            "position": position,
        },
        "checkpoint": None,
    }
    if checkpoint is not None:
        (held,) = container.audit.against([checkpoint], chain)
        report["checkpoint"] = {
            **checkpoint,
            **held,
            "events_after": chain.verified_through - checkpoint["notification_id"],
        }
    return report


def holds(report: dict[str, Any]) -> bool:
    """Whether the restore proved itself: an intact chain, and the latest signed
    checkpoint (when there is one) the district's and on the restored chain."""
    checkpoint = report["checkpoint"]
    held = checkpoint is None or checkpoint["holds"]
    return bool(report["chain"]["intact"] and held)


__all__ = ["BackupError", "backup", "holds", "restore"]
