"""Tables as CSV and XLSX: the two header rows on every sheet, long tables over
several sheets, the streamed CSV equal to the written one, numbers as numbers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import openpyxl

from domain.access import Role
from infra.tabular import Column, Table, csv_chunks, write_csv, write_xlsx

COLUMNS = [Column("number", "编号"), Column("hours", "时长")]


def table(rows: int) -> Table:
    return Table("工时明细", COLUMNS, [(f"N{i}", Decimal("1.50")) for i in range(rows)])


def test_a_table_longer_than_a_sheet_goes_on_in_numbered_sheets(
    tmp_path: Path,
) -> None:
    path = tmp_path / "long.xlsx"

    assert write_xlsx([table(7)], path, sheet_rows=3) == 7

    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["工时明细", "工时明细 (2)", "工时明细 (3)"]
    sheets = [list(book[name].iter_rows(values_only=True)) for name in book.sheetnames]
    for rows in sheets:
        assert rows[:2] == [("编号", "时长"), ("number", "hours")]
    numbers = [row[0] for rows in sheets for row in rows[2:]]
    assert numbers == [f"N{i}" for i in range(7)]
    assert [len(rows) - 2 for rows in sheets] == [3, 3, 1]
    assert sheets[0][2][1] == 1.5


def test_a_sheet_name_stays_within_excels_31_characters(tmp_path: Path) -> None:
    path = tmp_path / "names.xlsx"
    name = "很长的表名" * 7
    write_xlsx([Table(name, COLUMNS, [("a", 1), ("b", 2)])], path, sheet_rows=1)
    book = openpyxl.load_workbook(path, read_only=True)
    assert [len(n) for n in book.sheetnames] == [31, 31]
    assert book.sheetnames[1].endswith(" (2)")


def test_the_streamed_csv_is_the_written_csv_in_pieces() -> None:
    written = io.StringIO()
    assert write_csv(table(25), written) == 25
    pieces = list(csv_chunks(table(25), rows_per_chunk=10))
    assert len(pieces) == 3
    assert "".join(pieces) == written.getvalue()


def test_csv_cells_keep_decimal_digits_china_time_and_chinese_yes_no() -> None:
    row = (
        Decimal("2.50"),
        Decimal("3"),
        datetime(2026, 6, 1, 4, 0, tzinfo=UTC),
        date(2026, 6, 1),
        True,
        None,
        UUID(int=1),
        Role.AUDITOR,
    )
    out = io.StringIO()
    write_csv(Table("t", [Column(f"c{i}", f"列{i}") for i in range(8)], [row]), out)
    text = out.getvalue()
    (labels, keys, values) = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert (labels[0], keys[0]) == ("列0", "c0")
    assert values == [
        "2.5",
        "3",
        "2026-06-01T12:00:00+08:00",
        "2026-06-01",
        "是",
        "",
        "00000000-0000-0000-0000-000000000001",
        "auditor",
    ]
