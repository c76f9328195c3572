"""A read model whose tables changed shape in an upgrade is rebuilt from the log
when the service starts, on real Postgres; the others are left as they are."""

from __future__ import annotations

from application.services import Container
from domain.access import Actor
from projections.volunteers import VolunteersProjection
from tests.integration.helpers import make_district, record, register
from tests.integration.test_group_commit import hours


def test_an_outdated_read_model_is_dropped_and_replayed_into_its_new_shape(
    container: Container, admin: Actor
) -> None:
    district = make_district(container, admin)
    person = register(container, admin, district.station)
    record(
        container,
        admin,
        person,
        district.station,
        hours(district.station, 3).started_at,
        90,
    )
    projector = container.projector
    assert projector is not None
    projector.catch_up()
    schema = container.settings.readmodel_schema
    with container.db.transaction() as cur:
        # As a release before the entries had a category left it.
        cur.execute(f"ALTER TABLE {schema}.hour_entries DROP COLUMN category")
        cur.execute(
            f"UPDATE {schema}.tracking SET version = 1 WHERE projection = 'volunteers'"
        )
        cur.execute(
            f"UPDATE {schema}.units SET name = 'kept' WHERE id = %s",
            (district.station,),
        )

    container.runner.create_tables()
    projector.catch_up()

    entry = container.db.fetch_one(
        f"SELECT category, hours FROM {schema}.hour_entries WHERE volunteer_id = %s",
        (person,),
    )
    assert entry is not None
    assert (entry["category"], entry["hours"]) == (None, 1.5)
    standing = container.reads.volunteer(person)
    assert standing is not None
    assert standing["verified_hours"] == 1.5
    unit = container.reads.unit(district.station)
    assert unit is not None
    assert unit["name"] == "kept"
    versions = container.db.fetch_all(
        f"SELECT DISTINCT version FROM {schema}.tracking "
        "WHERE projection = 'volunteers'"
    )
    assert [v["version"] for v in versions] == [VolunteersProjection.version]
