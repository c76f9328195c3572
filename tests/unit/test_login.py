"""The rules of people's logins and of slowing down guesses, without storage."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from domain.access import Role
from domain.errors import IllegalTransition, InvalidInput
from domain.login import (
    Login,
    LoginDisabled,
    LoginLocked,
    LoginPending,
    LoginStatus,
    check_password,
    containing,
    mask_login,
    normalise_login,
)
from domain.sign_in import sign_in_rules


def rule_of(error: pytest.ExceptionInfo[InvalidInput]) -> tuple[str | None, str]:
    return error.value.field, error.value.rule


def a_login(**changes: object) -> Login:
    fields: dict[str, object] = {
        "login_id": uuid4(),
        "login": "wangfang",
        "role": Role.COORDINATOR,
        "display_name": "王*",
        "actor": "admin:test",
        "unit_id": uuid4(),
    }
    fields.update(changes)
    return Login.open(**fields)  # type: ignore[arg-type]


def test_each_failure_after_the_free_ones_doubles_the_wait_up_to_a_cap() -> None:
    rules = sign_in_rules(free_failures=3).per_login
    waits = [rules.delay_after(n).total_seconds() for n in range(1, 14)]
    assert waits == [0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert rules.delay_after(10_000) == timedelta(minutes=5)


def test_the_lockout_comes_at_the_configured_count() -> None:
    rules = sign_in_rules(lock_after=10)
    assert not rules.locks(9)
    assert rules.locks(10)


def test_login_names_are_case_blind_and_phones_read_without_spaces() -> None:
    assert normalise_login("  WangFang ") == "wangfang"
    assert normalise_login("+86 138 1234 5678") == "13812345678"
    assert mask_login("13812345678") == "138****5678"
    assert mask_login("wangfang") == "wa***"


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short", "password_length"),
        ("x" * 129, "password_length"),
        ("12345678", "password_not_common"),
        ("Password", "password_not_common"),
        ("aaaaaaaaaa", "password_not_common"),
        ("my-wangfang-2026", "password_not_login"),
    ],
)
def test_weak_passwords_are_refused_by_their_rule(password: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as error:
        check_password(password, containing("wangfang"))
    assert rule_of(error) == ("password", rule)


def test_a_long_pass_phrase_in_any_script_is_fine() -> None:
    check_password("双泉社区秋天的银杏树", containing("wangfang"))
    check_password("correct horse battery staple", containing("wangfang"))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unit_id": None}, "unit_id"),
        ({"role": Role.VOLUNTEER, "unit_id": None}, "volunteer_id"),
        ({"role": Role.RESIDENT}, "resident_id"),
        ({"role": Role.KIOSK}, "role"),
        ({"login": "a"}, "login"),
        ({"display_name": " "}, "name"),
    ],
)
def test_a_login_names_what_its_role_needs(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        a_login(**changes)
    assert error.value.field == field


def test_a_locked_login_signs_in_again_only_once_staff_act() -> None:
    login = a_login(must_change_password=False)
    login.check_may_sign_in()
    login.lock(10, "admin:sign-in-guard")
    with pytest.raises(LoginLocked):
        login.check_may_sign_in()
    with pytest.raises(IllegalTransition):
        login.lock(11, "admin:sign-in-guard")
    login.unlock("coordinator:李")
    login.check_may_sign_in()
    login.lock(10, "admin:sign-in-guard")
    login.reset_password("coordinator:李")
    assert (login.status, login.must_change_password) == (LoginStatus.ACTIVE, True)


def test_disabled_and_pending_logins_do_not_sign_in() -> None:
    login = a_login()
    login.disable("调离岗位", "admin:x")
    with pytest.raises(LoginDisabled):
        login.check_may_sign_in()
    with pytest.raises(IllegalTransition):
        login.change_password("coordinator:x")
    login.enable("admin:x")
    login.check_may_sign_in()
    with pytest.raises(LoginPending):
        a_login(pending=True).check_may_sign_in()


def test_no_clear_login_name_enters_an_event() -> None:
    login = a_login(login="13812345678")
    (opened,) = login.collect_events()
    assert "13812345678" not in repr(opened.__dict__)
