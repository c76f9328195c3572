"""The five-order loop (五单) over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from domain.access import Role
from tests.api.conftest import Api, assert_problem, volunteer_body
from tests.conftest import NOW, event_count


def order_body(api: Api, **changes: Any) -> dict[str, Any]:
    """A resident's need at the district's station, served this morning."""
    return {
        "category": "elderly",
        "subcategory": "daily_care",
        "title": "帮独居老人打扫卫生",
        "description": "老人行动不便，需要打扫厨房和客厅",
        "station_id": str(api.district.station),
        "address": "双泉社区3号楼2单元",
        "window_start": (NOW - timedelta(hours=8)).isoformat(),
        "window_end": (NOW - timedelta(hours=2)).isoformat(),
        **changes,
    }


@dataclass
class Loop:
    api: Api
    resident: str
    volunteer: dict[str, Any]
    volunteer_token: str

    def post(self, token: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.api.call("POST", path, token, json=body or {})

    def place(self) -> dict[str, Any]:
        response = self.post(self.resident, "/v1/orders", order_body(self.api))
        assert response.status_code == 201, response.text
        assert response.json()["state"] == "placed"
        return response.json()

    def step(
        self, token: str, order: dict[str, Any], action: str, body: Any = None
    ) -> Any:
        response = self.post(token, f"/v1/orders/{order['id']}/{action}", body)
        assert response.status_code == 200, response.text
        return response.json()

    def team(self, name: str, service_type: str) -> dict[str, Any]:
        response = self.api.call(
            "POST",
            "/v1/teams",
            self.api.tokens["coordinator"],
            json={
                "name": name,
                "unit_id": str(self.api.district.station),
                "service_type": service_type,
            },
        )
        assert response.status_code == 201, response.text
        return response.json()

    def dispatched_to_team(self, team: dict[str, Any]) -> dict[str, Any]:
        order = self.place()
        coordinator = self.api.tokens["coordinator"]
        self.step(coordinator, order, "review", {"accept": True})
        self.step(coordinator, order, "dispatch", {"team_id": team["id"]})
        return order

    def to_started(self) -> dict[str, Any]:
        order = self.place()
        coordinator = self.api.tokens["coordinator"]
        self.step(coordinator, order, "review", {"accept": True})
        self.step(
            coordinator, order, "dispatch", {"volunteer_ids": [self.volunteer["id"]]}
        )
        self.step(self.volunteer_token, order, "accept")
        self.step(coordinator, order, "start")
        return order

    def complete(self, order: dict[str, Any]) -> dict[str, Any]:
        return self.step(
            self.api.tokens["coordinator"],
            order,
            "complete",
            {
                "participants": [
                    {
                        "volunteer_id": self.volunteer["id"],
                        "started_at": (NOW - timedelta(hours=6)).isoformat(),
                        "ended_at": (NOW - timedelta(hours=4)).isoformat(),
                    }
                ]
            },
        )


@pytest.fixture
def loop(api: Api) -> Loop:
    return a_loop(api)


def a_loop(api: Api) -> Loop:
    """A resident's token, and a volunteer of the station with its token."""
    volunteer = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    ).json()
    return Loop(
        api,
        api.token(Role.RESIDENT),
        volunteer,
        api.token(Role.VOLUNTEER, volunteer_id=volunteer["id"]),
    )


def test_an_order_walks_all_five_steps_to_hours_points_ratings_and_timings(
    loop: Loop,
) -> None:
    api = loop.api
    order = loop.to_started()
    loop.complete(order)
    loop.step(loop.resident, order, "evaluation", {"stars": 5, "comment": "非常好"})
    rewarded = loop.step(
        api.tokens["admin"], order, "reward", {"points": 20, "reason": "服务优秀"}
    )
    assert rewarded["state"] == "rewarded"
    read = {"min_position": rewarded["position"]}
    volunteer = api.as_admin(
        "GET", f"/v1/volunteers/{loop.volunteer['id']}", params=read
    ).json()
    assert (volunteer["verified_hours"], volunteer["points_balance"]) == (2, 40)
    entries = api.as_admin(
        "GET", f"/v1/accounts/{loop.volunteer['id']}/entries", params=read
    ).json()
    assert [(e["source_kind"], e["points"]) for e in entries] == [
        ("reward", 20),
        ("hours", 20),
    ]
    hours = api.as_admin(
        "GET", f"/v1/volunteers/{loop.volunteer['id']}/hours", params=read
    ).json()
    assert hours["items"][0]["order_id"] == order["id"]
    rating = api.as_admin(
        "GET", f"/v1/ratings/volunteers/{loop.volunteer['id']}", params=read
    ).json()
    assert (rating["count"], rating["mean"], rating["distribution"]["5"]) == (1, 5, 1)
    unit_rating = api.as_admin(
        "GET", f"/v1/ratings/units/{api.district.station}", params=read
    ).json()
    assert unit_rating["count"] == 1
    board = api.as_admin("GET", f"/v1/orders/{order['id']}", params=read).json()
    assert board["state"] == "rewarded"
    assert board["overdue"] is False
    assert all(
        seconds is not None and seconds >= 0
        for seconds in board["step_seconds"].values()
    )


def test_a_single_rating_is_shrunk_toward_the_midpoint(loop: Loop) -> None:
    order = loop.to_started()
    loop.complete(order)
    evaluated = loop.step(loop.resident, order, "evaluation", {"stars": 5})
    rating = loop.api.as_admin(
        "GET",
        f"/v1/ratings/volunteers/{loop.volunteer['id']}",
        params={"min_position": evaluated["position"]},
    ).json()
    assert rating["mean"] == 5
    assert rating["bayesian_mean"] == pytest.approx((5 * 3 + 5) / 6)
    unknown = loop.api.as_admin("GET", f"/v1/ratings/teams/{loop.volunteer['id']}")
    assert unknown.json()["count"] == 0


def illegal(
    loop: Loop, token: str, order: dict[str, Any], action: str, body: Any = None
) -> Any:
    return loop.post(token, f"/v1/orders/{order['id']}/{action}", body)


def test_evaluating_before_completion_is_a_409_naming_the_state(
    loop: Loop, database_url: str
) -> None:
    order = loop.to_started()
    before = event_count(database_url)
    response = illegal(loop, loop.resident, order, "evaluation", {"stars": 4})
    assert_problem(response, 409, "state_allows_command")
    assert response.json()["state"] == "started"
    assert event_count(database_url) == before


def test_evaluating_twice_is_a_409(loop: Loop, database_url: str) -> None:
    order = loop.to_started()
    loop.complete(order)
    loop.step(loop.resident, order, "evaluation", {"stars": 4})
    before = event_count(database_url)
    response = illegal(loop, loop.resident, order, "evaluation", {"stars": 5})
    assert_problem(response, 409, "state_allows_command")
    assert event_count(database_url) == before


def test_acting_on_an_order_given_to_another_answers_as_reading_it_does(
    loop: Loop, database_url: str
) -> None:
    api = loop.api
    order = loop.place()
    coordinator = api.tokens["coordinator"]
    loop.step(coordinator, order, "review", {"accept": True})
    other = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial=2)
    ).json()
    dispatched = loop.step(
        coordinator, order, "dispatch", {"volunteer_ids": [other["id"]]}
    )
    before = event_count(database_url)
    read = api.call(
        "GET",
        f"/v1/orders/{order['id']}",
        loop.volunteer_token,
        params={"min_position": dispatched["position"]},
    )
    assert_problem(read, 404, "order_exists")
    for step, body in (("accept", None), ("decline", {"reason": "没空"})):
        response = illegal(loop, loop.volunteer_token, order, step, body)
        assert_problem(response, 404, "order_exists")
        assert "state" not in response.json()  # nothing learnt of it
    assert event_count(database_url) == before


def test_completing_a_cancelled_order_is_a_409(loop: Loop, database_url: str) -> None:
    order = loop.to_started()
    loop.step(loop.resident, order, "cancel", {"reason": "老人住院了"})
    before = event_count(database_url)
    response = illegal(
        loop,
        loop.api.tokens["coordinator"],
        order,
        "complete",
        {
            "participants": [
                {
                    "volunteer_id": loop.volunteer["id"],
                    "started_at": (NOW - timedelta(hours=6)).isoformat(),
                    "ended_at": (NOW - timedelta(hours=4)).isoformat(),
                }
            ]
        },
    )
    assert_problem(response, 409, "state_allows_command")
    assert response.json()["state"] == "cancelled"
    assert event_count(database_url) == before


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("evaluation", {"stars": 6}, "stars"),
        ("evaluation", {"stars": 4, "extra": 1}, "extra"),
        ("decline", {}, "reason"),
        ("cancel", {"reason": ""}, "reason"),
        ("reward", {"points": -5, "reason": "x"}, "points"),
        ("complete", {"participants": []}, "participants"),
        ("dispatch", {"volunteer_ids": ["nope"]}, "volunteer_ids.0"),
    ],
)
def test_invalid_bodies_are_422_and_write_nothing(
    loop: Loop, database_url: str, action: str, body: dict[str, Any], field: str
) -> None:
    order = loop.place()
    before = event_count(database_url)
    # Each step by a role that may take it: a role that may not is refused (403)
    # before its body is read.
    token = loop.resident if action == "evaluation" else loop.api.tokens["admin"]
    response = illegal(loop, token, order, action, body)
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["errors"]}
    assert event_count(database_url) == before


def test_an_invalid_order_is_refused(loop: Loop, database_url: str) -> None:
    before = event_count(database_url)
    response = loop.post(
        loop.resident,
        "/v1/orders",
        {
            "category": "elderly",
            "subcategory": "legal_aid",
            "title": "x",
            "description": "y",
            "station_id": str(loop.api.district.station),
            "address": "z",
            "window_start": NOW.isoformat(),
            "window_end": (NOW + timedelta(hours=1)).isoformat(),
        },
    )
    assert_problem(response, 422, "subcategory_of_category", "subcategory")
    assert event_count(database_url) == before


def test_a_foreign_resident_sees_and_touches_nothing(
    loop: Loop, database_url: str
) -> None:
    order = loop.to_started()
    loop.complete(order)
    stranger = loop.api.token(Role.RESIDENT)
    assert_problem(
        loop.api.call("GET", f"/v1/orders/{order['id']}", stranger), 404, "order_exists"
    )
    before = event_count(database_url)
    response = illegal(loop, stranger, order, "evaluation", {"stars": 1})
    assert_problem(response, 404, "order_exists")
    assert event_count(database_url) == before
    assert loop.api.call("GET", "/v1/orders", stranger).json() == []
    mine = loop.api.call("GET", "/v1/orders", loop.resident).json()
    assert [o["id"] for o in mine] == [order["id"]]


def test_an_out_of_scope_coordinator_cannot_review(
    loop: Loop, database_url: str
) -> None:
    order = loop.place()
    before = event_count(database_url)
    response = illegal(
        loop, loop.api.tokens["outsider"], order, "review", {"accept": True}
    )
    assert_problem(response, 403, "unit_scope")
    assert event_count(database_url) == before


def test_an_open_order_is_claimed_by_a_volunteer_of_the_station(loop: Loop) -> None:
    order = loop.place()
    coordinator = loop.api.tokens["coordinator"]
    loop.step(coordinator, order, "review", {"accept": True})
    opened = loop.step(coordinator, order, "dispatch", {"open_for_claiming": True})
    assert opened["state"] == "open"
    visible = loop.api.call(
        "GET",
        "/v1/orders",
        loop.volunteer_token,
        params={"min_position": opened["position"]},
    ).json()
    assert [o["id"] for o in visible] == [order["id"]]
    accepted = loop.step(loop.volunteer_token, order, "accept")
    assert accepted["accepted_by"] == [loop.volunteer["id"]]


def test_a_decline_sends_the_order_back_to_dispatch(loop: Loop) -> None:
    order = loop.place()
    coordinator = loop.api.tokens["coordinator"]
    loop.step(coordinator, order, "review", {"accept": True})
    loop.step(coordinator, order, "dispatch", {"volunteer_ids": [loop.volunteer["id"]]})
    declined = loop.step(loop.volunteer_token, order, "decline", {"reason": "那天出差"})
    assert declined["state"] == "reviewed"


def test_orders_not_accepted_in_time_show_as_overdue(loop: Loop) -> None:
    order = loop.place()
    read = {"min_position": order["position"]}
    fresh = loop.api.as_admin("GET", "/v1/orders", params={"overdue": True, **read})
    assert fresh.json() == []
    assert (
        loop.api.as_admin("GET", "/v1/orders", params=read).json()[0]["id"]
        == order["id"]
    )
    # A deadline of zero: every order not yet accepted is overdue from the start.
    loop.api.container.settings.order_accept_deadline_hours = 0
    board = loop.api.as_admin("GET", "/v1/orders", params={"overdue": True}).json()
    assert [o["id"] for o in board] == [order["id"]]
    assert board[0]["overdue"] is True
    coordinator = loop.api.tokens["coordinator"]
    loop.step(coordinator, order, "review", {"accept": True})
    loop.step(coordinator, order, "dispatch", {"volunteer_ids": [loop.volunteer["id"]]})
    accepted = loop.step(loop.volunteer_token, order, "accept")
    after = loop.api.as_admin(
        "GET",
        "/v1/orders",
        params={"overdue": True, "min_position": accepted["position"]},
    ).json()
    assert after == []


def test_a_team_order_is_taken_by_its_coordinator_and_rates_the_team(
    loop: Loop,
) -> None:
    api = loop.api
    coordinator = api.tokens["coordinator"]
    team = loop.team("双泉敬老队", "elderly_care")
    order = loop.dispatched_to_team(team)
    # Not shown to the volunteer, so not there to act on either.
    assert_problem(
        illegal(loop, loop.volunteer_token, order, "accept"), 404, "order_exists"
    )
    loop.step(coordinator, order, "accept")
    loop.step(coordinator, order, "start")
    loop.complete(order)
    evaluated = loop.step(loop.resident, order, "evaluation", {"stars": 4})
    rating = api.as_admin(
        "GET",
        f"/v1/ratings/teams/{team['id']}",
        params={"min_position": evaluated["position"]},
    ).json()
    assert (rating["count"], rating["mean"]) == (1, 4)


def test_an_unknown_participant_is_an_input_error(
    loop: Loop, database_url: str
) -> None:
    coordinator = loop.api.tokens["coordinator"]
    order = loop.dispatched_to_team(loop.team("应急队", "emergency_rescue"))
    loop.step(coordinator, order, "accept")
    loop.step(coordinator, order, "start")
    before = event_count(database_url)
    response = illegal(
        loop,
        coordinator,
        order,
        "complete",
        {
            "participants": [
                {
                    "volunteer_id": "0b0e8a53-76a3-4c8e-9b36-2d3f1c6a7e10",
                    "started_at": (NOW - timedelta(hours=6)).isoformat(),
                    "ended_at": (NOW - timedelta(hours=4)).isoformat(),
                }
            ]
        },
    )
    assert_problem(response, 422, "volunteer_exists", "participants")
    assert event_count(database_url) == before


def test_one_five_star_order_does_not_top_a_longer_record_of_good_ones(
    loop: Loop,
) -> None:
    """Walks 1 order for the newcomer (5 stars) and 4 for the regular (5, 5, 5, 4)."""
    api = loop.api
    regular = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial=2)
    ).json()
    regular_token = api.token(Role.VOLUNTEER, volunteer_id=regular["id"])
    coordinator = api.tokens["coordinator"]
    rated: list[tuple[str, str, int]] = [
        (loop.volunteer["id"], loop.volunteer_token, 5)
    ]
    rated += [(regular["id"], regular_token, stars) for stars in (5, 5, 5, 4)]
    last: dict[str, Any] = {}
    for n, (volunteer, token, stars) in enumerate(rated):
        order = loop.place()
        loop.step(coordinator, order, "review", {"accept": True})
        loop.step(coordinator, order, "dispatch", {"volunteer_ids": [volunteer]})
        loop.step(token, order, "accept")
        loop.step(coordinator, order, "start")
        start = NOW - timedelta(hours=30 + 3 * n)
        served = {
            "volunteer_id": volunteer,
            "started_at": start.isoformat(),
            "ended_at": (start + timedelta(hours=2)).isoformat(),
        }
        loop.step(coordinator, order, "complete", {"participants": [served]})
        last = loop.step(loop.resident, order, "evaluation", {"stars": stars})
    read = {"min_position": last["position"]}
    newcomer = api.as_admin(
        "GET", f"/v1/ratings/volunteers/{loop.volunteer['id']}", params=read
    ).json()
    veteran = api.as_admin(
        "GET", f"/v1/ratings/volunteers/{regular['id']}", params=read
    ).json()
    assert newcomer["mean"] > veteran["mean"]
    assert newcomer["bayesian_mean"] < veteran["bayesian_mean"]


def test_a_volunteer_who_did_not_accept_is_told_who_starts_an_order(
    loop: Loop,
) -> None:
    api = loop.api
    order = loop.place()
    coordinator = api.tokens["coordinator"]
    loop.step(coordinator, order, "review", {"accept": True})
    other = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial=2)
    ).json()
    both = {"volunteer_ids": [other["id"], loop.volunteer["id"]]}
    loop.step(coordinator, order, "dispatch", both)
    claimer = api.token(Role.VOLUNTEER, volunteer_id=other["id"])
    loop.step(claimer, order, "accept")
    response = illegal(loop, loop.volunteer_token, order, "start")
    assert_problem(response, 403, "forbidden")
    assert "accepted this order" in response.json()["detail"]
    assert "needs" not in response.json()["detail"]


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_a_missing_reason_is_reason_required_on_every_step(
    loop: Loop, body: dict[str, Any]
) -> None:
    order = loop.place()
    coordinator = loop.api.tokens["coordinator"]
    rejected = illegal(loop, coordinator, order, "review", {"accept": False, **body})
    assert_problem(rejected, 422, "reason_required", "reason")
    loop.step(coordinator, order, "review", {"accept": True})
    loop.step(coordinator, order, "dispatch", {"volunteer_ids": [loop.volunteer["id"]]})
    declined = illegal(loop, loop.volunteer_token, order, "decline", body)
    assert_problem(declined, 422, "reason_required", "reason")
    cancelled = illegal(loop, coordinator, order, "cancel", body)
    assert_problem(cancelled, 422, "reason_required", "reason")
