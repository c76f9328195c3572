"""Tables written as CSV or XLSX, row by row so that a large export never sits in
memory: the CSV goes straight to its stream, the XLSX through XlsxWriter's
constant_memory mode (each row is flushed to a temporary file as it is written).

Row 1 holds the Chinese headers people read; row 2 the stable English keys that
programs read (skip row 1, or read by key)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import xlsxwriter

from domain.reference import CHINA_TIME


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass(frozen=True)
class Table:
    #: The sheet's name (at most 31 characters).
    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]


def cell(value: Any) -> Any:
    """A value as a spreadsheet holds it: numbers stay numbers, instants are
    written in China time, ids and enums as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.astimezone(CHINA_TIME).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    return value


def write_csv(table: Table, out: IO[str]) -> int:
    """The table as CSV (UTF-8 with a BOM, so that spreadsheets read the Chinese
    right); returns the rows written."""
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.label for c in table.columns])
    writer.writerow([c.key for c in table.columns])
    count = 0
    for row in table.rows:
        writer.writerow([cell(v) for v in row])
        count += 1
    return count


def write_xlsx(tables: Sequence[Table], path: Path) -> int:
    """The tables as the sheets of one workbook; returns the rows written."""
    workbook = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_numbers": False}
    )
    header = workbook.add_format({"bold": True, "bg_color": "#F2E6D9"})
    keys = workbook.add_format({"font_color": "#808080", "italic": True})
    count = 0
    try:
        for table in tables:
            sheet = workbook.add_worksheet(table.name[:31])
            for col, column in enumerate(table.columns):
                sheet.write_string(0, col, column.label, header)
                sheet.write_string(1, col, column.key, keys)
                sheet.set_column(col, col, max(12, 2 * len(column.label) + 2))
            sheet.freeze_panes(2, 0)
            for number, row in enumerate(table.rows, start=2):
                for col, value in enumerate(row):
                    _write(sheet, number, col, cell(value))
                count += 1
    finally:
        workbook.close()
    return count


def _write(sheet: Any, row: int, col: int, value: Any) -> None:
    if isinstance(value, int | float):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value))
