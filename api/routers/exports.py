"""Exports for the office: CSV streamed as it is read, XLSX written to a temporary
file in constant memory and sent from there."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask

from api.deps import ActorDep, AsOf, ContainerDep, ReadAfter
from application.exports import ExportQuery
from application.reports import AssessmentQuery, assessment_tables
from infra.tabular import Table, csv_chunks, write_xlsx
from projections.exports import ExportKind

router = APIRouter(prefix="/v1/exports", tags=["exports"])

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file: CSV (UTF-8 with a BOM) or XLSX; row 1 the Chinese "
        "headers, row 2 the English keys.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


FormatQuery = Annotated[
    Format, Query(description="csv (streamed) or xlsx (one sheet per million rows).")
]
UnitQuery = Annotated[UUID, Query(description="The unit exported, with those below.")]


@router.get(
    "/assessment",
    response_class=StreamingResponse,
    responses=FILES,
    dependencies=[ReadAfter],
)
def assessment(
    container: ContainerDep,
    actor: ActorDep,
    unit_id: UnitQuery,
    year: Annotated[int, Query(description="The year, 2000 to next year.")],
    as_of: AsOf = None,
    format: FormatQuery = Format.CSV,
) -> Any:
    """The assessment of `GET /v1/reports/assessment` as a file: CSV holds the
    targets; XLSX the targets, star levels, hours by month × category × unit, the
    order funnel and points, a sheet each."""
    report = container.reports.assessment(AssessmentQuery(unit_id, year, as_of), actor)
    tables = assessment_tables(report)
    stem = f"考核_{report.units[0].name}_{year}"
    if format is Format.CSV:
        return _csv(tables[0], stem)
    return _xlsx(tables, stem)


@router.get(
    "/{kind}",
    response_class=StreamingResponse,
    responses=FILES,
    dependencies=[ReadAfter],
)
def export(
    container: ContainerDep,
    actor: ActorDep,
    kind: ExportKind,
    unit_id: UnitQuery,
    first_day: Annotated[
        date | None,
        Query(
            alias="from",
            description="The first day (China time); default: 1 January of the "
            "year of `to`.",
        ),
    ] = None,
    last_day: Annotated[
        date | None,
        Query(alias="to", description="The last day, inclusive; default: today."),
    ] = None,
    format: FormatQuery = Format.CSV,
) -> Any:
    """The hours ledger, activities, attendance, the order board, redemptions,
    donations or team rosters of a unit and those below it for a period:
    admins and auditors any unit, coordinators their own and below; personal data
    masked. 422 `unit_exists`, `period_order`, `instant_in_range`."""
    query = ExportQuery(kind, unit_id, first_day, last_day)
    prepared = container.exports.prepare(query, actor)
    if format is Format.CSV:
        return _csv(prepared.table, prepared.stem)
    return _xlsx([prepared.table], prepared.stem)


def _csv(table: Table, stem: str) -> StreamingResponse:
    chunks: Iterator[bytes] = (c.encode() for c in csv_chunks(table))
    return StreamingResponse(chunks, media_type=CSV, headers=_attachment(stem + ".csv"))


def _xlsx(tables: list[Table], stem: str) -> FileResponse:
    handle, name = tempfile.mkstemp(prefix="vledger-export-", suffix=".xlsx")
    os.close(handle)
    path = Path(name)
    try:
        write_xlsx(tables, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(
        path,
        media_type=XLSX,
        headers=_attachment(stem + ".xlsx"),
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


def _attachment(name: str) -> dict[str, str]:
    """RFC 6266: an ASCII fallback and the Chinese name in UTF-8."""
    return {
        "Content-Disposition": 'attachment; filename="export'
        + name[name.rindex(".") :]
        + f"\"; filename*=UTF-8''{quote(name)}"
    }
