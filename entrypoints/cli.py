"""The `vledger` command line."""

from __future__ import annotations

import argparse
import base64
import io
import json
import logging
import os
import re
import signal
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from pydantic import ValidationError

from api.deps import MAX_BIGINT
from application.audit import ReadModelsBehind, as_json, ndjson
from application.exports import ExportQuery
from application.imports import REQUIRED, read_rows
from application.insurance import UninsuredQuery, uninsured, uninsured_table
from application.logins import OpenLogin, ResetPassword, UnlockLogin
from application.replay import to_csv
from application.reports import AssessmentQuery, Source, assessment_tables
from application.services import Container
from domain.access import Actor, Role
from domain.errors import DomainError, InvalidInput
from domain.instants import parse_as_of
from domain.reference import CHINA_TIME
from entrypoints import pages
from entrypoints.container import build
from infra import logs, metrics
from infra.backup import BackupError
from infra.settings import ConfigurationError, Settings, new_master_key
from infra.tabular import Table, write_csv, write_xlsx
from projections.exports import ExportKind

log = logging.getLogger("vledger")


def _uuid(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a UUID: {text!r}") from None


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"not a number from 1 to 64: {text!r}")
    return value


def _notification_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_BIGINT:
        raise argparse.ArgumentTypeError(
            f"not a notification id (0 to {MAX_BIGINT}): {text!r}"
        )
    return value


def _partitions(text: str) -> list[int]:
    try:
        return sorted({int(p) for p in text.split(",") if p.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a list of partitions: {text!r}"
        ) from None


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="vledger",
        description="volunteer-ledger: event-sourced records of volunteer service. "
        "Settings come from VLEDGER_* environment variables (see README).",
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="run the HTTP API (and, embedded, the projector)"
    )
    serve.add_argument("--host", help="interface to listen on (default: VLEDGER_HOST)")
    serve.add_argument("--port", type=int, help="port (default: VLEDGER_PORT or 8000)")
    serve.add_argument(
        "--workers",
        type=_positive,
        help="API processes sharing the port and the database (default: one per "
        "core with VLEDGER_DATABASE_URL, one on the embedded Postgres); one of "
        "them runs the projector and the sweeper",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="seed the demo district on first start and write one token per role "
        "to $VLEDGER_HOME/demo-tokens.json",
    )

    commands.add_parser("demo", help="seed the demo district and write demo tokens")

    token = commands.add_parser("token", help="manage API tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser(
        "create", help="create a bearer token; the token is the last line printed"
    )
    create.add_argument(
        "--role",
        required=True,
        choices=[r.value for r in Role if r is not Role.KIOSK],
        help="kiosks are not made here: register the device at its station "
        "(POST /v1/kiosks), which answers with its token",
    )
    create.add_argument(
        "--unit", type=_uuid, metavar="UNIT_ID", help="unit scope (coordinator)"
    )
    create.add_argument(
        "--volunteer",
        type=_uuid,
        metavar="VOLUNTEER_ID",
        help="the volunteer (volunteer role)",
    )
    create.add_argument("--name", default="cli", help="who holds the token")
    revoke = token_commands.add_parser("revoke", help="revoke a token by its token_id")
    revoke.add_argument("token_id", type=_uuid)

    login = commands.add_parser(
        "login",
        help="people's sign-in accounts from the server's shell (the first admin's, "
        "a locked-out admin's); staff do the rest over the API",
    )
    login_commands = login.add_subparsers(dest="login_command", required=True)
    open_login = login_commands.add_parser(
        "create",
        help="open a login; the one-time password (to change at the first sign-in) "
        "is the last line printed",
    )
    open_login.add_argument(
        "--login", required=True, help="a login name (a-z, 0-9, . _ -) or a mobile"
    )
    open_login.add_argument(
        "--role",
        required=True,
        choices=[r.value for r in Role if r not in (Role.KIOSK, Role.RESIDENT)],
    )
    open_login.add_argument("--name", help="the person's name (kept masked)")
    open_login.add_argument(
        "--unit", type=_uuid, metavar="UNIT_ID", help="a coordinator's unit"
    )
    open_login.add_argument(
        "--volunteer", type=_uuid, metavar="VOLUNTEER_ID", help="a volunteer's record"
    )
    for name, text in (
        ("reset-password", "a new one-time password (last line); sessions end"),
        ("unlock", "lift a lockout after too many wrong passwords"),
    ):
        command = login_commands.add_parser(name, help=text)
        command.add_argument("login_id", type=_uuid)

    deliveries = commands.add_parser(
        "deliveries", help="the outbox: SMS and webhook messages, and dead letters"
    )
    delivery_commands = deliveries.add_subparsers(
        dest="deliveries_command", required=True
    )
    listed = delivery_commands.add_parser(
        "list", help="messages as JSON lines, newest first"
    )
    listed.add_argument(
        "--state", choices=["pending", "delivered", "dead"], default="dead"
    )
    retry = delivery_commands.add_parser(
        "retry", help="send dead letters again (one by its id, or all)"
    )
    retry.add_argument("delivery_id", type=int, nargs="?", help="default: all")

    commands.add_parser(
        "relay", help="publish the event log to Kafka (needs VLEDGER_KAFKA_BOOTSTRAP)"
    )
    project = commands.add_parser(
        "project", help="apply events from Kafka to the read models (or --rebuild)"
    )
    project.add_argument(
        "--partitions",
        type=_partitions,
        help="comma-separated partitions this process owns, outside the consumer "
        "group (default: join the group VLEDGER_KAFKA_GROUP and share the topic)",
    )
    project.add_argument(
        "--rebuild",
        action="store_true",
        help="replay the whole log into a fresh schema, switch to it, and exit",
    )
    commands.add_parser("keygen", help="print a new master key for VLEDGER_MASTER_KEY")
    hours = commands.add_parser(
        "import-hours",
        help="record service hours from a CSV file; a file with any refused row "
        "writes nothing; running a file again records only what is missing",
    )
    hours.add_argument(
        "file",
        type=Path,
        help="UTF-8 CSV with a header: " + ", ".join(REQUIRED) + " and, optionally, "
        "record_id; times are ISO 8601 with a UTC offset",
    )
    hours.add_argument(
        "--dry-run", action="store_true", help="check every row and write nothing"
    )

    replay = commands.add_parser(
        "replay",
        help="rebuild credit banks and star levels from the event store alone",
    )
    replay.add_argument(
        "--as-of",
        type=_as_of,
        metavar="T",
        help="what stood at T: an ISO time with offset, or a date (the end of that "
        "day, China time); default: now",
    )
    replay.add_argument(
        "--output", metavar="FILE", help="write here instead of standard output"
    )
    replay.add_argument(
        "--format",
        choices=("json", "csv"),
        default="json",
        help="json: balances with entries and star levels; csv: one row per "
        "volunteer (default: json)",
    )
    commands.add_parser(
        "verify",
        help="compare a fresh replay with the live read models; exit 1 on any "
        "difference, each printed with the events behind it",
    )
    report = commands.add_parser("report", help="the office's reports")
    report_commands = report.add_subparsers(dest="report_command", required=True)
    assessment = report_commands.add_parser(
        "assessment",
        help="seed 003's targets for a unit and each unit below it, for a year",
    )
    assessment.add_argument("--unit", type=_uuid, required=True, metavar="UNIT_ID")
    assessment.add_argument("--year", type=int, required=True, metavar="YEAR")
    assessment.add_argument(
        "--as-of",
        type=_as_of,
        metavar="T",
        help="as recorded by T: an ISO time with offset, or a date (the end of that "
        "day, China time); default: now",
    )
    assessment.add_argument(
        "--format",
        choices=("json", "csv", "xlsx"),
        default="json",
        help="json: the whole report; csv: the targets; xlsx: the targets and the "
        "figures beside them, one sheet each (needs --output)",
    )
    assessment.add_argument(
        "--output", type=Path, metavar="FILE", help="write here instead of stdout"
    )
    assessment.add_argument(
        "--from-log",
        action="store_true",
        help="fold the facts from the event log instead of reading the read models "
        "(the same report, slower: a check of both)",
    )
    uninsured = report_commands.add_parser(
        "uninsured",
        help="volunteers who served on days no accident insurance covered them",
    )
    uninsured.add_argument(
        "--from",
        dest="first_day",
        type=_day,
        required=True,
        metavar="DAY",
        help="first day of service, YYYY-MM-DD (China time)",
    )
    uninsured.add_argument(
        "--to",
        dest="last_day",
        type=_day,
        required=True,
        metavar="DAY",
        help="last day, at most 366 days on",
    )
    uninsured.add_argument(
        "--unit",
        type=_uuid,
        metavar="UNIT_ID",
        help="that unit and below; default: the whole district",
    )
    uninsured.add_argument(
        "--format",
        choices=("csv", "xlsx"),
        default="csv",
        help="csv (to stdout or --output) or xlsx (needs --output)",
    )
    uninsured.add_argument("--output", type=Path, metavar="FILE")
    export = commands.add_parser(
        "export",
        help="a unit's hours, activities, attendance, orders, redemptions, "
        "donations or team rosters for a period, as CSV or XLSX",
    )
    export.add_argument(
        "kind", choices=[k.value for k in ExportKind], help="what to export"
    )
    export.add_argument(
        "--unit",
        type=_uuid,
        required=True,
        metavar="UNIT_ID",
        help="the unit exported, with the units below it",
    )
    export.add_argument(
        "--from",
        dest="first_day",
        type=_day,
        metavar="DAY",
        help="the first day (China time); default: 1 January of --to's year",
    )
    export.add_argument(
        "--to",
        dest="last_day",
        type=_day,
        metavar="DAY",
        help="the last day, inclusive; default: today",
    )
    export.add_argument(
        "--format",
        choices=("csv", "xlsx"),
        default="csv",
        help="csv (UTF-8 with a BOM) or xlsx (needs --output); row 1 Chinese "
        "headers, row 2 English keys (default: csv)",
    )
    export.add_argument(
        "--output", type=Path, metavar="FILE", help="write here instead of stdout"
    )
    audit = commands.add_parser("audit", help="tamper evidence of the event log")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    audit_verify = audit_commands.add_parser(
        "verify",
        help="recompute the hash chain; exit 1 and name the first broken link",
    )
    audit_verify.add_argument(
        "--against",
        type=Path,
        metavar="FILE",
        help="also hold the log against checkpoints kept outside the database: "
        "JSON objects one after another, as `vledger audit checkpoint` prints "
        "them (notification_id, link, signature)",
    )
    audit_commands.add_parser(
        "checkpoint", help="record the chain's head now and print it (keep a copy)"
    )
    audit_commands.add_parser(
        "public-key",
        help="print the public half of the key that signs checkpoints (publish it)",
    )
    audit_export = audit_commands.add_parser(
        "export",
        help="the event log with its chain as NDJSON, one event a line, each with "
        "its topic and stored bytes: what the outside verifier of docs/auditing.md "
        "reads",
    )
    audit_export.add_argument(
        "--after",
        type=_notification_id,
        default=0,
        metavar="N",
        help="start after notification id N (default: the whole log)",
    )
    audit_export.add_argument(
        "--to", type=Path, metavar="FILE", help="write here instead of stdout"
    )
    backup = commands.add_parser(
        "backup",
        help="a consistent pg_dump of the write side (event log and chain, "
        "checkpoints, vault, tokens, logins, outbox), after a signed checkpoint of "
        "the head; read models and snapshots are rebuilt, not backed up",
    )
    backup.add_argument("file", type=Path, help="the dump to write (custom format)")
    restore = commands.add_parser(
        "restore",
        help="restore a backup into an empty database (VLEDGER_DATABASE_URL, or the "
        "embedded one under VLEDGER_HOME) with the master key it was made under, "
        "then verify the chain, rebuild the read models and hold the head against "
        "the latest signed checkpoint; exit 1 when that does not hold",
    )
    restore.add_argument("file", type=Path, help="a file `vledger backup` wrote")
    return root


def _as_of(text: str) -> datetime:
    try:
        return parse_as_of(text, datetime.now(UTC))
    except InvalidInput as error:
        raise argparse.ArgumentTypeError(f"{error.detail} [{error.rule}]") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "keygen":
        print(new_master_key())
        return 0
    try:
        settings = Settings()
        logs.configure(settings.log_format)
        if args.command == "restore":  # into an empty database: build nothing first
            return restore(settings, args)
        container = build(settings)
    except (ConfigurationError, BackupError) as error:
        print(f"vledger: {error}", file=sys.stderr)
        return 2
    except ValidationError as error:
        for problem in error.errors():
            name = "VLEDGER_" + "_".join(str(p) for p in problem["loc"]).upper()
            print(f"vledger: {name}: {problem['msg']}", file=sys.stderr)
        return 2
    try:
        return COMMANDS[args.command](container, args)
    except DomainError as error:
        print(f"vledger: {error.detail} [{error.rule}]", file=sys.stderr)
        return 2
    except (ConfigurationError, BackupError) as error:
        print(f"vledger: {error}", file=sys.stderr)
        return 2
    finally:
        container.close()


def serve(container: Container, args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app, served

    settings = container.settings
    host, port = args.host or settings.host, args.port or settings.port
    base = pages.base_url(settings, host, port)
    tokens = None
    if args.demo:
        from entrypoints.demo import ensure_demo

        tokens = ensure_demo(container, base)
        log.info("demo tokens: %s", tokens)
    # uvicorn shuts down gracefully, then re-raises the signal it caught; ending
    # with exit 0 lets the container and the embedded Postgres close cleanly.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_cleanly)
    pages.announce_when_ready(host, port, base, tokens)
    # Embedded, Postgres shares the cores: a second writer process only competed
    # for them (measured: fewer writes a second, docs/performance.md).
    workers = args.workers or (1 if settings.embedded else os.cpu_count() or 1)
    if workers == 1:
        app = served(create_app(container))
        uvicorn.run(app, host=host, port=port, **QUIET_UVICORN)
        return 0
    # The workers build their own containers on the database and key resolved
    # here (this process started the embedded Postgres, if any, and keeps it).
    os.environ["VLEDGER_DATABASE_URL"] = container.db.url
    os.environ["VLEDGER_MASTER_KEY"] = base64.b64encode(
        settings.master_key_bytes()
    ).decode()
    log.info("serving with %d worker processes", workers)
    with tempfile.TemporaryDirectory(prefix="vledger-metrics-") as counts:
        os.environ[metrics.MULTIPROCESS_DIR] = counts  # a scrape sums every worker
        uvicorn.run(
            "entrypoints.asgi:app",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            **QUIET_UVICORN,
        )
    return 0


#: Logging stays as `infra/logs.py` set it up; each request is logged once, with
#: its id, by api/observability.py rather than by uvicorn's access log.
QUIET_UVICORN: dict[str, Any] = {"log_config": None, "access_log": False}


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def demo(container: Container, args: argparse.Namespace) -> int:
    from entrypoints.demo import ensure_demo

    path = ensure_demo(container)
    print(f"demo district ready; tokens in {path}")
    return 0


def token(container: Container, args: argparse.Namespace) -> int:
    if args.token_command == "revoke":  # noqa: S105 - a subcommand name
        if not container.tokens.revoke(args.token_id):
            print(f"vledger: no active token {args.token_id}", file=sys.stderr)
            return 2
        print(f"revoked {args.token_id}")
        return 0
    role = Role(args.role)
    if args.unit is not None:
        container.aggregates.unit(args.unit)
    if args.volunteer is not None:
        container.aggregates.volunteer(args.volunteer)
    issued = container.tokens.issue(role, args.name, args.unit, args.volunteer)
    print(json.dumps({"token_id": str(issued.actor.token_id), "role": role.value}))
    print(issued.token)
    return 0


def login(container: Container, args: argparse.Namespace) -> int:
    """Run as an admin: whoever holds the server's shell holds the ledger."""
    actor = Actor(Role.ADMIN, uuid4(), "cli:login")
    logins = container.logins
    if args.login_command == "unlock":
        command: Any = UnlockLogin(args.login_id)
        outcome = container.commands.run(logins.unlock, command, actor)
    elif args.login_command == "reset-password":
        command = ResetPassword(args.login_id)
        outcome = container.commands.run(logins.reset_password, command, actor)
    else:
        command = OpenLogin(
            args.login, Role(args.role), args.name, args.unit, args.volunteer
        )
        outcome = container.commands.run(logins.open, command, actor)
    state = outcome.result
    print(json.dumps({"login_id": str(state.id), "status": state.status.value}))
    if state.one_time_password:
        print(state.one_time_password)
    return 0


def deliveries(container: Container, args: argparse.Namespace) -> int:
    if args.deliveries_command == "retry":
        retried = container.deliveries.retry(args.delivery_id)
        print(f"{retried} dead letters queued again")
        return 0 if retried or args.delivery_id is None else 2
    for row in container.deliveries.listed(args.state, 500, 0):
        print(json.dumps(row, default=str, ensure_ascii=False))
    return 0


def _until_signalled() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def relay(container: Container, args: argparse.Namespace) -> int:
    publisher = container.relay()
    topic = container.settings.kafka_topic
    log.info("relaying from position %s to %s", publisher.position(), topic)
    try:
        publisher.run(_until_signalled())
    finally:
        publisher.close()
    return 0


def project(container: Container, args: argparse.Namespace) -> int:
    if args.rebuild:
        from entrypoints.rebuild import rebuild
        from infra.feed import EventStoreFeed

        done = rebuild(
            container.db,
            EventStoreFeed(container.store),
            container.settings.readmodel_schema,
        )
        print(f"rebuilt {done.schema} to position {done.position}; old: {done.retired}")
        return 0
    projector = container.kafka_projector(args.partitions)
    try:
        projector.run(_until_signalled())
    finally:
        projector.close()
    return 0


def replay(container: Container, args: argparse.Namespace) -> int:
    replayed = container.audit.replay(args.as_of, with_entries=args.format == "json")
    if args.format == "csv":
        text = to_csv(replayed)
    else:
        text = as_json(
            {
                "as_of": replayed.as_of,
                "through_position": replayed.through_position,
                "events_read": replayed.events_read,
                "star_levels": replayed.star_levels(),
                "balances": replayed.balances(with_entries=True),
            }
        )
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"replayed through position {replayed.through_position} to {args.output}")
    else:
        print(text)
    return 0


def import_hours(container: Container, args: argparse.Namespace) -> int:
    if container.projector is not None:
        container.projector.catch_up()  # volunteer numbers are looked up there
    try:
        with args.file.open(encoding="utf-8-sig", newline="") as source:
            rows, errors = read_rows(source)
    except OSError as error:
        print(f"vledger: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as error:
        print(
            f"vledger: {args.file} is not UTF-8 text (byte {error.start})",
            file=sys.stderr,
        )
        return 2
    actor = Actor(Role.ADMIN, uuid4(), f"import:{args.file.name}")
    label = actor.label
    report = container.imports.run(rows, actor, errors, dry_run=args.dry_run)
    for refused in report.errors:
        print(refused, file=sys.stderr)
    print(as_json({**report.as_dict(), "actor": label}))
    return 1 if report.errors else 0


def verify(container: Container, args: argparse.Namespace) -> int:
    if container.projector is not None:
        container.projector.catch_up()  # embedded: nobody else feeds them now
    replayed = container.audit.replay()
    try:
        differences = container.audit.differences(replayed)
    except ReadModelsBehind as error:
        print(f"vledger: {error}; is the projector running?", file=sys.stderr)
        return 2
    for d in differences:
        events = ", ".join(str(p) for p in d["events"]) or "none"
        print(
            f"DIFFERENT {d['table']} {d['key']} {d['field']}: live {d['live']} "
            f"!= replayed {d['replayed']} (events: {events})"
        )
    volunteers, accounts = len(replayed.volunteers), len(replayed.accounts)
    verdict = f"{len(differences)} differences" if differences else "no differences"
    print(
        f"{verdict}: {volunteers} volunteers and {accounts} accounts replayed "
        f"through position {replayed.through_position}"
    )
    return 1 if differences else 0


def report(container: Container, args: argparse.Namespace) -> int:
    if args.report_command == "uninsured":
        return report_uninsured(container, args)
    if args.format == "xlsx" and args.output is None:
        print("vledger: --format xlsx needs --output FILE", file=sys.stderr)
        return 2
    if container.projector is not None:
        container.projector.catch_up()
    source = Source.EVENT_LOG if args.from_log else Source.READ_MODELS
    query = AssessmentQuery(args.unit, args.year, args.as_of, source)
    actor = Actor(Role.AUDITOR, uuid4(), "cli:report")
    assessed = container.reports.assessment(query, actor)
    if args.format == "xlsx":
        write_xlsx(assessment_tables(assessed), args.output)
        print(f"assessment of {len(assessed.units)} units written to {args.output}")
        return 0
    out = io.StringIO()
    if args.format == "csv":
        write_csv(assessment_tables(assessed)[0], out)
    else:
        out.write(as_json({**asdict(assessed), "source": source.value}))
    if args.output:
        args.output.write_text(out.getvalue(), encoding="utf-8")
        print(f"assessment of {len(assessed.units)} units written to {args.output}")
    else:
        print(out.getvalue())
    return 0


def report_uninsured(container: Container, args: argparse.Namespace) -> int:
    if args.format == "xlsx" and args.output is None:
        print("vledger: --format xlsx needs --output FILE", file=sys.stderr)
        return 2
    if container.projector is not None:
        container.projector.catch_up()
    today = datetime.now(CHINA_TIME).date()
    query = UninsuredQuery(args.first_day, args.last_day, args.unit)
    rows = uninsured(container.programme, query, today)
    table = uninsured_table(rows)
    if args.format == "xlsx":
        write_xlsx([table], args.output)
    else:
        out = io.StringIO()
        write_csv(table, out)
        if args.output is None:
            print(out.getvalue(), end="")
            return 0
        args.output.write_text(out.getvalue(), encoding="utf-8")
    print(f"{len(rows)} volunteers served without cover; written to {args.output}")
    return 0


def export(container: Container, args: argparse.Namespace) -> int:
    if args.format == "xlsx" and args.output is None:
        print("vledger: --format xlsx needs --output FILE", file=sys.stderr)
        return 2
    if container.projector is not None:
        container.projector.catch_up()
    query = ExportQuery(ExportKind(args.kind), args.unit, args.first_day, args.last_day)
    actor = Actor(Role.AUDITOR, uuid4(), "cli:export")
    prepared = container.exports.prepare(query, actor)
    table = prepared.table
    table = Table(table.name, table.columns, _progress(table.rows, args.output))
    if args.format == "xlsx":
        rows = write_xlsx([table], args.output)
    elif args.output:
        with args.output.open("w", encoding="utf-8", newline="") as out:
            rows = write_csv(table, out)
    else:
        rows = write_csv(table, sys.stdout)
    if args.output:
        print(f"{rows:,} rows of {prepared.stem} written to {args.output}")
    return 0


def _progress(
    rows: Iterable[Sequence[object]], output: Path | None
) -> Iterator[Sequence[object]]:
    """The rows, with a line on standard error every 100,000 (when the export
    goes to a file: on the terminal the rows themselves show progress)."""
    for count, row in enumerate(rows, start=1):
        if output is not None and count % 100_000 == 0:
            print(f"{count:,} rows…", file=sys.stderr, flush=True)
        yield row


def audit(container: Container, args: argparse.Namespace) -> int:
    if args.audit_command == "checkpoint":
        print(as_json(container.audit.checkpoint()))
        return 0
    if args.audit_command == "export":
        return _export_log(container, args.after, args.to)
    if args.audit_command == "public-key":
        print(as_json(container.audit.public_key()))
        return 0
    kept = _kept_checkpoints(args.against) if args.against else None
    if isinstance(kept, str):
        print(f"vledger: {kept}", file=sys.stderr)
        return 2
    report = container.audit.chain()
    summary = report.summary()
    held = container.audit.against(kept, report) if kept is not None else []
    if kept is not None:
        summary["against"] = held
    print(as_json(summary))
    return 0 if report.intact and all(h["holds"] for h in held) else 1


_BLANK = re.compile(r"\s*")


def _kept_checkpoints(path: Path) -> list[dict[str, Any]] | str:
    """The checkpoints in FILE, one JSON object after another (one a line, or
    `vledger audit checkpoint`'s output appended), or what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return f"cannot read {path}: {error}"
    decoder, kept, at = json.JSONDecoder(), [], 0
    while (at := _BLANK.match(text, at).end()) < len(text):  # type: ignore[union-attr]
        number = text.count("\n", 0, at) + 1
        try:
            checkpoint, at = decoder.raw_decode(text, at)
            if not 0 < int(checkpoint["notification_id"]) <= MAX_BIGINT:
                raise ValueError("no notification id")
            bytes.fromhex(checkpoint["link"])
            bytes.fromhex(checkpoint.get("signature") or "")
        except (ValueError, KeyError, TypeError, AttributeError):
            return (
                f"{path} line {number}: not a checkpoint "
                '({"notification_id": N, "link": HEX, "signature": HEX})'
            )
        kept.append(checkpoint)
    return kept


def _export_log(container: Container, after: int, to: Path | None) -> int:
    events = container.audit.export(after)
    if to is None:
        _write_log(events, sys.stdout, progress=False)
        return 0
    with to.open("w", encoding="utf-8") as out:
        count = _write_log(events, out, progress=True)
    print(f"{count:,} events written to {to}")
    return 0


def _write_log(events: Iterable[dict[str, Any]], out: Any, progress: bool) -> int:
    count = 0
    for count, line in enumerate(ndjson(events), start=1):
        out.write(line)
        if progress and count % 100_000 == 0:
            print(f"{count:,} events…", file=sys.stderr, flush=True)
    return count


def backup(container: Container, args: argparse.Namespace) -> int:
    from entrypoints import backup

    print(as_json(backup.backup(container, args.file)))
    return 0


def restore(settings: Settings, args: argparse.Namespace) -> int:
    from entrypoints import backup

    report = backup.restore(settings, args.file)
    print(as_json(report))
    return 0 if backup.holds(report) else 1


COMMANDS = {
    "serve": serve,
    "demo": demo,
    "token": token,
    "login": login,
    "deliveries": deliveries,
    "relay": relay,
    "project": project,
    "replay": replay,
    "verify": verify,
    "audit": audit,
    "backup": backup,
    "report": report,
    "export": export,
    "import-hours": import_hours,
}


if __name__ == "__main__":
    sys.exit(main())
