"""Numbers handed out in order: volunteer numbers and certificate numbers."""

from __future__ import annotations

from infra.db import Database

SCHEMA = (
    "CREATE SEQUENCE IF NOT EXISTS volunteer_number_seq; "
    "CREATE SEQUENCE IF NOT EXISTS certificate_number_seq;"
)


class Sequences:
    def __init__(self, db: Database) -> None:
        self.db = db

    def volunteer_number(self) -> str:
        return f"V{self._next('volunteer_number_seq'):08d}"

    def certificate_number(self, year: int) -> str:
        return f"VC-{year}-{self._next('certificate_number_seq'):06d}"

    def _next(self, sequence: str) -> int:
        row = self.db.fetch_one("SELECT nextval(%s::regclass) AS n", (sequence,))
        if row is None:
            raise RuntimeError(f"{sequence} returned nothing")
        return int(row["n"])
