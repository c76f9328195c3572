"""Signing in over HTTP: sessions with short-lived access tokens and rotating refresh
tokens, the must-change of a one-time password, and guessing slowed, then stopped,
alike for login names that exist and names that do not."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest

from tests.api.conftest import Api, assert_problem, volunteer_body
from tests.conftest import Clock

NEW_PASSWORD = "双泉社区秋天2026"


def at_once(copies: int, request: Callable[[], Any]) -> list[Any]:
    """The answers of `copies` threads that send `request` at one moment."""
    barrier = threading.Barrier(copies)
    answers: list[Any] = []

    def send() -> None:
        barrier.wait()
        answers.append(request())

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def open_login(api: Api, token: str | None = None, **body: Any) -> Any:
    return api.call("POST", "/v1/logins", token or api.tokens["admin"], json=body)


def sign_in(api: Api, login: str, password: str) -> Any:
    return api.call("POST", "/v1/sessions", json={"login": login, "password": password})


def coordinator_login(
    api: Api,
    login: str = "wangfang",
    name: str = "王芳",
    unit_id: UUID | None = None,
) -> dict[str, Any]:
    """A coordinator's login at the institute (or `unit_id`), its password changed
    to NEW_PASSWORD; returns the login and a session of it."""
    opened = open_login(
        api,
        login=login,
        role="coordinator",
        name=name,
        unit_id=str(unit_id or api.district.institute),
    )
    assert opened.status_code == 201, opened.text
    first = sign_in(api, login, opened.json()["one_time_password"])
    assert first.status_code == 201, first.text
    changed = api.call(
        "PUT",
        "/v1/me/password",
        first.json()["access_token"],
        json={
            "current_password": opened.json()["one_time_password"],
            "new_password": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 200, changed.text
    session = sign_in(api, login, NEW_PASSWORD)
    assert session.status_code == 201, session.text
    return {"login": opened.json(), "session": session.json()}


def test_a_one_time_password_signs_in_only_to_change_it(api: Api) -> None:
    opened = open_login(
        api,
        login="WangFang",
        role="coordinator",
        name="王芳",
        unit_id=str(api.district.institute),
    )
    assert opened.status_code == 201, opened.text
    login = opened.json()
    assert login["must_change_password"] is True
    assert login["login_masked"] == "wa***"
    assert login["display_name"] == "王*"
    one_time = login["one_time_password"]

    first = sign_in(api, "wangfang", one_time)  # login names are case-blind
    assert first.status_code == 201, first.text
    session = first.json()
    assert session["must_change_password"] is True
    assert session["token_type"] == "Bearer"
    assert session["expires_in"] == 15 * 60
    assert first.headers["cache-control"] == "no-store"
    restricted = session["access_token"]
    assert_problem(
        api.call("GET", "/v1/volunteers", restricted), 403, "password_changed"
    )
    me = api.call("GET", "/v1/me", restricted).json()
    assert me["must_change_password"] is True
    assert me["login_id"] == login["id"]

    changed = api.call(
        "PUT",
        "/v1/me/password",
        restricted,
        json={"current_password": one_time, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["must_change_password"] is False
    # Every session of the login ended with the change: this one too.
    assert api.call("GET", "/v1/me", restricted).status_code == 401
    assert sign_in(api, "wangfang", one_time).status_code == 401

    again = sign_in(api, "wangfang", NEW_PASSWORD)
    assert again.status_code == 201
    token = again.json()["access_token"]
    me = api.call("GET", "/v1/me", token).json()
    assert (me["role"], me["unit_id"]) == ("coordinator", str(api.district.institute))
    listed = api.call("GET", "/v1/volunteers", token)
    assert listed.status_code == 200, listed.text


def test_new_passwords_follow_the_rules_and_need_the_current_one(api: Api) -> None:
    made = coordinator_login(api)
    token = made["session"]["access_token"]

    def change(current: str, new: str) -> Any:
        body = {"current_password": current, "new_password": new}
        return api.call("PUT", "/v1/me/password", token, json=body)

    assert_problem(
        change("wrong-one-entirely", "另一个好密码abc"),
        422,
        "current_password_matches",
        "current_password",
    )
    assert_problem(
        change(NEW_PASSWORD, "short"), 422, "password_length", "new_password"
    )
    assert_problem(
        change(NEW_PASSWORD, "12345678"), 422, "password_not_common", "new_password"
    )
    assert_problem(
        change(NEW_PASSWORD, NEW_PASSWORD), 422, "password_changes", "new_password"
    )
    assert api.call("GET", "/v1/me", token).status_code == 200  # nothing changed


def test_a_wrong_name_and_a_wrong_password_answer_alike(api: Api, clock: Clock) -> None:
    coordinator_login(api)
    answers = []
    for login in ("wangfang", "nobody-here"):
        wrong = sign_in(api, login, "not-the-password")
        answers.append(
            (wrong.status_code, wrong.headers.get("www-authenticate"), wrong.json())
        )
    assert answers[0] == answers[1]
    status, challenge, body = answers[0]
    assert (status, challenge, body["rule"]) == (401, "Bearer", "credentials_match")


@pytest.mark.parametrize("login", ["wangfang", "nobody-here"])
def test_wrong_passwords_make_the_next_attempt_wait_longer(
    api: Api, clock: Clock, login: str
) -> None:
    coordinator_login(api)
    for _ in range(3):  # the free failures
        assert sign_in(api, login, "not-the-password").status_code == 401
    assert sign_in(api, login, "not-the-password").status_code == 401  # 4th: 2 s
    waiting = sign_in(api, login, NEW_PASSWORD)
    assert_problem(waiting, 429, "attempts_within_limit", "password")
    assert waiting.headers["retry-after"] == "2"

    clock.advance(timedelta(seconds=2))
    assert sign_in(api, login, "not-the-password").status_code == 401  # 5th: 4 s
    clock.advance(timedelta(seconds=3))
    assert sign_in(api, login, "x").headers["retry-after"] == "1"
    clock.advance(timedelta(seconds=1))
    right = sign_in(api, login, NEW_PASSWORD)
    assert right.status_code == (201 if login == "wangfang" else 401)


def test_ten_wrong_passwords_lock_the_login_until_staff_unlock_it(
    api: Api, clock: Clock
) -> None:
    made = coordinator_login(api)
    login_id = made["login"]["id"]
    answers = {}
    for login in ("wangfang", "nobody-here"):
        for _ in range(10):
            clock.advance(timedelta(minutes=10))  # past every wait
            last = sign_in(api, login, "not-the-password")
        assert_problem(last, 403, "login_unlocked", "login")
        clock.advance(timedelta(minutes=10))
        answers[login] = sign_in(api, login, NEW_PASSWORD).json()
        clock.advance(timedelta(days=3))  # a lockout does not lapse
        assert sign_in(api, login, NEW_PASSWORD).json()["rule"] == "login_unlocked"
    assert answers["wangfang"] == answers["nobody-here"]
    # The session opened before the lockout ended with it.
    assert api.call("GET", "/v1/me", made["session"]["access_token"]).status_code == 401

    stream = api.call("GET", f"/v1/audit/streams/{login_id}", api.tokens["auditor"])
    assert [e["type"] for e in stream.json()] == [
        "Login.Opened",
        "Login.PasswordChanged",
        "Login.Locked",
    ]
    assert stream.json()[-1]["actor"].startswith("admin:sign-in-guard:")

    unlocked = api.as_admin("POST", f"/v1/logins/{login_id}/unlock")
    assert unlocked.status_code == 200, unlocked.text
    assert unlocked.json()["status"] == "active"
    assert sign_in(api, "wangfang", NEW_PASSWORD).status_code == 201


def test_one_address_guessing_many_names_is_slowed_down(api: Api) -> None:
    coordinator_login(api)
    for serial in range(20):
        assert sign_in(api, f"guess{serial:02d}", "password-x").status_code == 401
    assert sign_in(api, "guess99", "password-x").status_code == 401  # the 21st
    slowed = sign_in(api, "wangfang", NEW_PASSWORD)
    assert_problem(slowed, 429, "attempts_within_limit")


def test_a_refresh_token_is_used_once_and_a_copy_ends_the_session(
    api: Api,
) -> None:
    first = coordinator_login(api)["session"]

    def refresh(token: str) -> Any:
        return api.call("POST", "/v1/sessions/refresh", json={"refresh_token": token})

    second = refresh(first["refresh_token"])
    assert second.status_code == 200, second.text
    assert second.json()["refresh_token"] != first["refresh_token"]
    # The earlier access token stopped; the new one works.
    assert api.call("GET", "/v1/me", first["access_token"]).status_code == 401
    assert api.call("GET", "/v1/me", second.json()["access_token"]).status_code == 200

    # The used refresh token again: a copy. The whole session ends.
    assert_problem(refresh(first["refresh_token"]), 401, "refresh_token_valid")
    assert api.call("GET", "/v1/me", second.json()["access_token"]).status_code == 401
    assert_problem(refresh(second.json()["refresh_token"]), 401, "refresh_token_valid")
    assert_problem(refresh("vlr_made-up"), 401, "refresh_token_valid")


def test_access_tokens_expire_and_sessions_end_after_their_days(
    api: Api, clock: Clock
) -> None:
    session = coordinator_login(api)["session"]
    clock.advance(timedelta(minutes=15))
    expired = api.call("GET", "/v1/me", session["access_token"])
    assert_problem(expired, 401, "unauthorized")
    refreshed = api.call(
        "POST", "/v1/sessions/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text

    clock.advance(timedelta(days=30))
    late = api.call(
        "POST",
        "/v1/sessions/refresh",
        json={"refresh_token": refreshed.json()["refresh_token"]},
    )
    assert_problem(late, 401, "refresh_token_valid")


def test_signing_out_stops_the_access_and_the_refresh_token(api: Api) -> None:
    session = coordinator_login(api)["session"]
    other = sign_in(api, "wangfang", NEW_PASSWORD).json()  # another device
    out = api.call("DELETE", "/v1/sessions/current", session["access_token"])
    assert out.status_code == 204, out.text
    assert api.call("GET", "/v1/me", session["access_token"]).status_code == 401
    again = api.call(
        "POST", "/v1/sessions/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert_problem(again, 401, "refresh_token_valid")
    assert api.call("GET", "/v1/me", other["access_token"]).status_code == 200
    machine = api.call("DELETE", "/v1/sessions/current", api.tokens["admin"])
    assert_problem(machine, 422, "session_token", "Authorization")


def test_coordinators_open_logins_only_in_their_scope(api: Api) -> None:
    coordinator = api.tokens["coordinator"]
    at_station = open_login(
        api,
        coordinator,
        login="lizhan",
        role="coordinator",
        name="李站长",
        unit_id=str(api.district.station),
    )
    assert at_station.status_code == 201, at_station.text
    elsewhere = open_login(
        api,
        coordinator,
        login="zhaosuo",
        role="coordinator",
        name="赵所长",
        unit_id=str(api.district.other_institute),
    )
    assert_problem(elsewhere, 403, "unit_scope")
    admin = open_login(api, coordinator, login="boss", role="admin", name="钱主任")
    assert_problem(admin, 403, "forbidden")
    kiosk = open_login(api, login="kiosk1", role="kiosk", name="一号机")
    assert_problem(kiosk, 422, "person_role", "role")
    taken = open_login(
        api,
        login="LiZhan",
        role="coordinator",
        name="李四",
        unit_id=str(api.district.station),
    )
    assert_problem(taken, 409, "login_unique", "login")
    bad = open_login(api, login="1x", role="auditor", name="审计")
    assert_problem(bad, 422, "login_format", "login")

    volunteer = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    ).json()
    mine = open_login(
        api,
        coordinator,
        login="13812345678",
        role="volunteer",
        volunteer_id=volunteer["id"],
    )
    assert mine.status_code == 201, mine.text
    assert mine.json()["display_name"] == "王**"
    assert mine.json()["login_masked"] == "138****5678"
    second = open_login(
        api, login="xiaoming2", role="volunteer", volunteer_id=volunteer["id"]
    )
    assert_problem(second, 409, "login_unique", "volunteer_id")

    listed = api.call(
        "GET",
        "/v1/logins",
        api.tokens["outsider"],
        params={"min_position": mine.json()["position"]},
    )
    assert listed.json() == []
    ours = api.call("GET", "/v1/logins", coordinator).json()
    assert {row["login_masked"] for row in ours} == {"li***", "138****5678"}


def test_staff_reset_a_volunteers_password_and_sessions_end(api: Api) -> None:
    volunteer = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    ).json()
    opened = open_login(
        api, login="xiaoming", role="volunteer", volunteer_id=volunteer["id"]
    ).json()
    first = sign_in(api, "xiaoming", opened["one_time_password"]).json()
    api.call(
        "PUT",
        "/v1/me/password",
        first["access_token"],
        json={
            "current_password": opened["one_time_password"],
            "new_password": NEW_PASSWORD,
        },
    )
    session = sign_in(api, "xiaoming", NEW_PASSWORD).json()
    mine = api.call("GET", f"/v1/volunteers/{volunteer['id']}", session["access_token"])
    assert mine.status_code == 200, mine.text

    reset = api.call(
        "POST", f"/v1/logins/{opened['id']}/password-reset", api.tokens["coordinator"]
    )
    assert reset.status_code == 200, reset.text
    assert reset.json()["must_change_password"] is True
    assert api.call("GET", "/v1/me", session["access_token"]).status_code == 401
    assert sign_in(api, "xiaoming", NEW_PASSWORD).status_code == 401
    after = sign_in(api, "xiaoming", reset.json()["one_time_password"])
    assert after.json()["must_change_password"] is True
    outsider = api.call(
        "POST", f"/v1/logins/{opened['id']}/password-reset", api.tokens["outsider"]
    )
    assert_problem(outsider, 403, "unit_scope")


def test_a_disabled_login_does_not_sign_in_even_with_its_password(api: Api) -> None:
    made = coordinator_login(api)
    login_id = made["login"]["id"]
    disabled = api.as_admin(
        "POST", f"/v1/logins/{login_id}/disable", json={"reason": "调离岗位"}
    )
    assert disabled.status_code == 200, disabled.text
    assert api.call("GET", "/v1/me", made["session"]["access_token"]).status_code == 401
    assert_problem(sign_in(api, "wangfang", NEW_PASSWORD), 403, "login_enabled")
    assert sign_in(api, "wangfang", "wrong-password").status_code == 401
    twice = api.as_admin(
        "POST", f"/v1/logins/{login_id}/disable", json={"reason": "调离岗位"}
    )
    assert_problem(twice, 409, "state_allows_command")
    assert api.as_admin("POST", f"/v1/logins/{login_id}/enable").status_code == 200
    assert sign_in(api, "wangfang", NEW_PASSWORD).status_code == 201


def test_staff_do_not_disable_or_reset_their_own_login(api: Api) -> None:
    made = coordinator_login(api)
    own = made["session"]["access_token"]
    login_id = made["login"]["id"]
    assert_problem(
        api.call(
            "POST", f"/v1/logins/{login_id}/disable", own, json={"reason": "试试"}
        ),
        403,
        "forbidden",
    )
    assert_problem(
        api.call("POST", f"/v1/logins/{login_id}/password-reset", own),
        403,
        "forbidden",
    )


def test_a_retried_opening_answers_without_the_one_time_password(api: Api) -> None:
    body = {"login": "auditor1", "role": "auditor", "name": "孙审计"}
    headers = {"Idempotency-Key": "open-auditor-1"}
    first = api.as_admin("POST", "/v1/logins", json=body, headers=headers)
    again = api.as_admin("POST", "/v1/logins", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["one_time_password"]
    assert again.json()["one_time_password"] is None
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]


def test_passwords_and_login_names_are_nowhere_in_clear(api: Api) -> None:
    made = coordinator_login(api)
    one_time = made["login"]["one_time_password"]
    with psycopg.connect(api.container.db.url) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        dump = []
        for schema, table in tables:
            rows = conn.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()
            dump.append(repr(rows))
        text = "\n".join(dump)
        stored = conn.execute("SELECT password_hash FROM login_secrets").fetchall()
    for secret in (
        NEW_PASSWORD,
        one_time,
        "wangfang",
        made["session"]["access_token"],
        made["session"]["refresh_token"],
    ):
        assert secret not in text
    assert all(row[0].startswith("$argon2id$") for row in stored)


def test_housekeeping_forgets_lapsed_counts_but_never_a_lockout(
    api: Api, clock: Clock
) -> None:
    for _ in range(2):
        assert sign_in(api, "someone", "not-the-password").status_code == 401
    for _ in range(10):
        clock.advance(timedelta(minutes=10))
        sign_in(api, "nobody-here", "not-the-password")
    session = coordinator_login(api)["session"]
    api.call("DELETE", "/v1/sessions/current", session["access_token"])
    clock.advance(timedelta(days=2))
    api.container.sweeper.forget_old_keys()
    kept = api.container.db.fetch_all("SELECT kind, failures FROM sign_in_failures")
    assert [(r["kind"], r["failures"]) for r in kept] == [("login", 10)]
    assert sign_in(api, "nobody-here", "x").json()["rule"] == "login_unlocked"
    tokens = api.container.db.fetch_one("SELECT count(*) AS n FROM refresh_tokens")
    assert tokens is not None
    assert tokens["n"] == 0


def test_copies_of_one_refresh_token_sent_at_once_leave_no_token_of_the_session(
    api: Api,
) -> None:
    """Rotation, reuse detection and the new pair are one decision: whatever the
    interleaving, one copy wins, the others end the session, and then no token
    the session issued works (the winner's neither). Never a 5xx."""
    coordinator_login(api)
    copies = 6
    for _ in range(8):
        session = sign_in(api, "wangfang", NEW_PASSWORD).json()
        answers = at_once(
            copies,
            lambda token=session["refresh_token"]: api.call(
                "POST", "/v1/sessions/refresh", json={"refresh_token": token}
            ),
        )
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200] + [401] * (copies - 1), [a.text for a in answers]
        won = next(a.json() for a in answers if a.status_code == 200)
        for access in (session["access_token"], won["access_token"]):
            assert api.call("GET", "/v1/me", access).status_code == 401
        again = api.call(
            "POST",
            "/v1/sessions/refresh",
            json={"refresh_token": won["refresh_token"]},
        )
        assert_problem(again, 401, "refresh_token_valid")


def test_guessing_the_current_password_is_slowed_then_locks_like_signing_in(
    api: Api, clock: Clock
) -> None:
    made = coordinator_login(api)
    token = made["session"]["access_token"]

    def change(current: str) -> Any:
        body = {"current_password": current, "new_password": "另一个好密码abc"}
        return api.call("PUT", "/v1/me/password", token, json=body)

    for _ in range(4):  # the free failures, then the first that makes one wait
        assert_problem(
            change("not-the-password"),
            422,
            "current_password_matches",
            "current_password",
        )
    waiting = change(NEW_PASSWORD)  # even the right one waits its turn
    assert_problem(waiting, 429, "attempts_within_limit", "password")
    assert waiting.headers["retry-after"] == "2"
    # Wrong passwords at sign-in and at a change count together.
    clock.advance(timedelta(seconds=2))
    assert sign_in(api, "wangfang", "not-the-password").status_code == 401
    for _ in range(4):
        clock.advance(timedelta(seconds=70))  # past each wait, within the token's
        assert change("not-the-password").status_code == 422
    clock.advance(timedelta(seconds=70))
    assert_problem(change("not-the-password"), 403, "login_unlocked", "login")
    # The lockout ended the session; the login stays locked for signing in.
    assert api.call("GET", "/v1/me", token).status_code == 401
    clock.advance(timedelta(minutes=10))
    assert_problem(sign_in(api, "wangfang", NEW_PASSWORD), 403, "login_unlocked")
    stream = api.call(
        "GET", f"/v1/audit/streams/{made['login']['id']}", api.tokens["auditor"]
    )
    assert [e["type"] for e in stream.json()][-1] == "Login.Locked"


@pytest.mark.parametrize(
    "new_password", ["Wangfang的新密码", "我的 WANGFANG 2026", "x-wangfang-2026"]
)
def test_a_new_password_holding_the_login_name_is_refused(
    api: Api, new_password: str
) -> None:
    token = coordinator_login(api)["session"]["access_token"]
    body = {"current_password": NEW_PASSWORD, "new_password": new_password}
    refused = api.call("PUT", "/v1/me/password", token, json=body)
    assert_problem(refused, 422, "password_not_login", "new_password")
    assert api.call("GET", "/v1/me", token).status_code == 200  # nothing changed
    fine = body | {"new_password": "wang-的新密码-fang"}
    assert api.call("PUT", "/v1/me/password", token, json=fine).status_code == 200


def test_a_person_reads_its_own_name_and_a_token_names_no_one(api: Api) -> None:
    session = coordinator_login(api, "zhaojing", "赵静")["session"]
    me = api.call("GET", "/v1/me", session["access_token"]).json()
    assert (me["name"], me["person"]) == ("赵静", True)
    assert session["display_name"] == "赵*"  # what others see of it
    machine = api.call("GET", "/v1/me", api.tokens["admin"]).json()
    assert (machine["name"], machine["person"]) == ("admin", False)
