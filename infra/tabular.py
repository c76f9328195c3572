"""Tables written as CSV or XLSX, row by row so that a large export never sits in
memory: the CSV goes straight to its stream, the XLSX through XlsxWriter's
constant_memory mode (each row is flushed to a temporary file as it is written).

Row 1 holds the Chinese headers people read; row 2 the stable English keys that
programs read (skip row 1, or read by key)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
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
    return CELL.get(type(value), _other)(value)


def csv_cell(value: Any) -> Any:
    """As `cell`, but a decimal as its digits (2, 1.5), not a binary float."""
    return CSV_CELL.get(type(value), _other)(value)


def _same(value: Any) -> Any:
    return value


def _instant(value: datetime) -> str:
    return value.astimezone(CHINA_TIME).isoformat(timespec="seconds")


def _other(value: Any) -> Any:
    """Subclasses (enums, a datetime of another class) by what they are."""
    if isinstance(value, Enum):
        return value.value
    for kind, convert in CELL.items():
        if isinstance(value, kind):
            return convert(value)
    return value


#: Conversions by exact type: a lookup per cell, since exports run to millions.
CELL: dict[type, Callable[[Any], Any]] = {
    str: _same,
    int: _same,
    float: _same,
    type(None): lambda _: "",
    bool: lambda v: "是" if v else "否",
    Decimal: float,
    datetime: _instant,
    date: date.isoformat,
    UUID: str,
}
CSV_CELL: dict[type, Callable[[Any], Any]] = {
    **CELL,
    Decimal: lambda v: format(v.normalize(), "f"),
}


#: An XLSX sheet holds 1,048,576 rows; a larger table goes on into the next sheet
#: ("工时明细 (2)"), each with the two header rows.
SHEET_ROWS = 1_048_576 - 2


def write_csv(table: Table, out: IO[str]) -> int:
    """The table as CSV (UTF-8 with a BOM, so that spreadsheets read the Chinese
    right); returns the rows written."""
    counted = Counted(table.rows)
    for chunk in csv_chunks(Table(table.name, table.columns, counted)):
        out.write(chunk)
    return counted.count


class Counted:
    """Rows passed through, counted."""

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Sequence[Any]]:
        for row in self.rows:
            self.count += 1
            yield row


def csv_chunks(table: Table, rows_per_chunk: int = 1000) -> Iterator[str]:
    """The CSV text of `write_csv` in pieces of about `rows_per_chunk` rows, for a
    response that streams."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([c.label for c in table.columns])
    writer.writerow([c.key for c in table.columns])
    pending = 0
    for row in table.rows:
        writer.writerow([CSV_CELL.get(type(v), _other)(v) for v in row])
        pending += 1
        if pending == rows_per_chunk:
            yield _drain(buffer)
            pending = 0
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def write_xlsx(
    tables: Sequence[Table], path: Path, sheet_rows: int = SHEET_ROWS
) -> int:
    """The tables as the sheets of one workbook, a table longer than `sheet_rows`
    over several; returns the rows written."""
    workbook = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_numbers": False}
    )
    header = workbook.add_format({"bold": True, "bg_color": "#F2E6D9"})
    keys = workbook.add_format({"font_color": "#808080", "italic": True})
    count = 0
    try:
        for table in tables:
            part, sheet, used = 1, _sheet(workbook, table, 1, header, keys), 0
            for row in table.rows:
                if used == sheet_rows:
                    part, used = part + 1, 0
                    sheet = _sheet(workbook, table, part, header, keys)
                for col, value in enumerate(row):
                    _write(sheet, used + 2, col, cell(value))
                used += 1
                count += 1
    finally:
        workbook.close()
    return count


def _sheet(workbook: Any, table: Table, part: int, header: Any, keys: Any) -> Any:
    suffix = f" ({part})" if part > 1 else ""
    sheet = workbook.add_worksheet(table.name[: 31 - len(suffix)] + suffix)
    # constant_memory writes row by row: a row is complete before the next.
    for col, column in enumerate(table.columns):
        sheet.set_column(col, col, max(12, 2 * len(column.label) + 2))
        sheet.write_string(0, col, column.label, header)
    for col, column in enumerate(table.columns):
        sheet.write_string(1, col, column.key, keys)
    sheet.freeze_panes(2, 0)
    return sheet


def _write(sheet: Any, row: int, col: int, value: Any) -> None:
    if isinstance(value, int | float):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value))
