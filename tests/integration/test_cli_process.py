"""The real `vledger` processes on the embedded default: serve, stop, serve again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import psutil
import pytest

from domain.identity import Gender
from tests.broker import free_port
from tests.durability import relaxed_home
from tests.factories import id_number
from tests.integration.helpers import BIRTH
from tests.waiting import wait_for

VLEDGER = [sys.executable, "-m", "entrypoints.cli"]


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VLEDGER_")}
    return {**env, "VLEDGER_HOME": str(home)}


def run_vledger(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`vledger ARGS` to its end, whatever its exit code."""
    return subprocess.run(
        [*VLEDGER, *args],
        env=environment(home),
        capture_output=True,
        text=True,
        timeout=120,
    )


def vledger(home: Path, *args: str) -> str:
    done = run_vledger(home, *args)
    done.check_returncode()
    return done.stdout


class Server:
    def __init__(self, home: Path, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [*VLEDGER, "serve", "--port", str(self.port), *args],
            env=environment(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._wait_healthy()

    def _wait_healthy(self, timeout: float = 900) -> None:
        """A generous deadline: the demo's first start records its history."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode())  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise TimeoutError("vledger serve did not become healthy")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "vledger-home"


def call(server: Server, token: str, method: str, path: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.request(
        method, server.url + path, headers=headers, timeout=10, **kwargs
    )


def test_stopping_and_restarting_serve_loses_nothing(home: Path) -> None:
    server = Server(home)
    try:
        token = vledger(
            home, "token", "create", "--role", "admin", "--name", "ops"
        ).splitlines()[-1]
        center = call(
            server, token, "POST", "/v1/units", json={"name": "中心", "kind": "center"}
        )
        assert center.status_code == 201, center.text
        volunteer = call(
            server,
            token,
            "POST",
            "/v1/volunteers",
            json={
                "name": "王小明",
                "gender": "male",
                "birth_date": BIRTH.isoformat(),
                "id_number": id_number(BIRTH, Gender.MALE),
                "phone": "13812345678",
                "unit_id": center.json()["id"],
            },
        ).json()
        start = datetime.now(UTC) - timedelta(hours=5)
        hours = call(
            server,
            token,
            "POST",
            f"/v1/volunteers/{volunteer['id']}/hours",
            json={
                "activity_name": "清扫",
                "started_at": start.isoformat(),
                "ended_at": (start + timedelta(hours=3)).isoformat(),
                "location": "社区",
                "service_recipient": "居民",
                "content": "清扫",
                "leader": "李",
                "unit_id": center.json()["id"],
            },
        )
        assert hours.status_code == 201, hours.text
    finally:
        assert server.stop() == 0

    assert (home / "master.key").stat().st_mode & 0o777 == 0o600
    restarted = Server(home)
    try:
        summary = call(
            restarted,
            token,
            "GET",
            f"/v1/volunteers/{volunteer['id']}",
            params={"min_position": hours.json()["position"]},
        )
        assert summary.status_code == 200, summary.text
        assert summary.json()["name"] == "王小明"
        assert (summary.json()["verified_hours"], summary.json()["points_balance"]) == (
            3,
            30,
        )
    finally:
        assert restarted.stop() == 0


def test_serve_demo_seeds_a_district_and_writes_a_token_per_role(home: Path) -> None:
    server = Server(relaxed_home(home), "--demo")
    try:
        tokens = json.loads((home / "demo-tokens.json").read_text())
        assert (home / "demo-tokens.json").stat().st_mode & 0o777 == 0o600
        roles = {"admin", "coordinator", "volunteer", "resident", "kiosk", "auditor"}
        assert roles <= tokens.keys()
        listed = call(
            server,
            tokens["admin"]["token"],
            "GET",
            "/v1/volunteers",
            params={"limit": 1},
        )
        assert listed.json()["total"] == 300
        mine = call(
            server,
            tokens["volunteer"]["token"],
            "GET",
            f"/v1/volunteers/{tokens['volunteer']['volunteer_id']}",
        )
        assert mine.status_code == 200
        assert mine.json()["star_level"] >= 1
        for role in ("admin", "coordinator", "auditor", "volunteer", "resident"):
            signed_in = httpx.post(
                server.url + "/v1/sessions",
                json={
                    "login": tokens[role]["login"],
                    "password": tokens[role]["password"],
                },
                timeout=10,
            )
            assert signed_in.status_code == 201, signed_in.text
            assert signed_in.json()["role"] == role
            if role == "volunteer":
                volunteer_id = tokens["volunteer"]["volunteer_id"]
                assert signed_in.json()["volunteer_id"] == volunteer_id
        resident = signed_in.json()["access_token"]
        own_orders = call(server, tokens["resident"]["token"], "GET", "/v1/orders")
        assert own_orders.status_code == 200
        assert call(server, resident, "GET", "/v1/orders").json() == own_orders.json()
        assert len(own_orders.json()) > 0
        board = call(
            server, tokens["admin"]["token"], "GET", "/v1/orders", params={"limit": 100}
        ).json()
        assert len({o["state"] for o in board}) == 11
        kiosk = tokens["kiosk"]
        found = call(
            server,
            kiosk["token"],
            "POST",
            "/v1/kiosk/identify",
            json={"volunteer_number": kiosk["volunteer_number"], "pin": kiosk["pin"]},
        )
        assert found.status_code == 201, found.text
        goods = call(server, kiosk["token"], "GET", "/v1/kiosk/catalog").json()
        assert {g["name"] for g in goods} == {
            "洗衣液",
            "大米 5kg",
            "食用油",
            "鸡蛋 10枚",
        }
        activities = call(
            server, tokens["volunteer"]["token"], "GET", "/v1/activities"
        ).json()
        assert {a["state"] for a in activities} == {"closed", "published"}
        for role, page in (("admin", "/office/#token="), ("volunteer", "/me/")):
            assert tokens[role]["page"].startswith(server.url + page)
        assert tokens["kiosk"]["page"] == f"{server.url}/kiosk/#token={kiosk['token']}"
        teams = call(
            server,
            tokens["volunteer"]["token"],
            "GET",
            f"/v1/volunteers/{mine.json()['id']}/teams",
        )
        assert teams.status_code == 200, teams.text
        assert teams.json()
    finally:
        assert server.stop() == 0
    said = server.process.stderr.read().decode()  # type: ignore[union-attr]
    assert "steps recorded (100%)" in said
    printed = server.process.stdout.read().decode()  # type: ignore[union-attr]
    assert f"vledger is ready at {server.url}" in printed
    for page in ("/office/", "/me/", "/kiosk/", "/public/", "/docs"):
        assert f"{server.url}{page}" in printed
    assert str(home / "demo-tokens.json") in printed


def test_token_create_refuses_an_unknown_unit(home: Path) -> None:
    unknown = "6b0f0d1e-8d7a-4c43-9a55-2e1f6c3b9a10"
    done = run_vledger(
        home, "token", "create", "--role", "coordinator", "--unit", unknown
    )
    assert done.returncode == 2
    assert "unit_exists" in done.stderr


def test_token_create_makes_no_kiosk_tokens(home: Path) -> None:
    """Kiosks are devices registered at stations (POST /v1/kiosks)."""
    done = run_vledger(
        home, "token", "create", "--role", "kiosk", "--unit", str(uuid4())
    )
    assert done.returncode == 2
    assert "invalid choice: 'kiosk'" in done.stderr
    helped = run_vledger(home, "token", "create", "--help")
    assert "POST /v1/kiosks" in helped.stdout


def test_outside_the_embedded_default_serve_refuses_to_start_without_a_master_key(
    home: Path,
) -> None:
    env = {
        **environment(home),
        "VLEDGER_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x",
    }
    done = subprocess.run(
        [*VLEDGER, "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "VLEDGER_MASTER_KEY is required" in done.stderr


def test_a_revoked_token_no_longer_authenticates(home: Path) -> None:
    created = vledger(home, "token", "create", "--role", "auditor").splitlines()
    token_id = json.loads(created[-2])["token_id"]
    server = Server(home)
    try:
        assert call(server, created[-1], "GET", "/v1/ops/status").status_code == 200
        assert "revoked" in vledger(home, "token", "revoke", token_id)
        assert call(server, created[-1], "GET", "/v1/ops/status").status_code == 401
    finally:
        assert server.stop() == 0


def test_the_first_admin_login_comes_from_the_shell(home: Path) -> None:
    created = vledger(
        home,
        "login",
        "create",
        "--role",
        "admin",
        "--login",
        "chief",
        "--name",
        "钱主任",
    ).splitlines()
    login_id = json.loads(created[-2])["login_id"]
    server = Server(home)
    try:
        signed_in = httpx.post(
            server.url + "/v1/sessions",
            json={"login": "chief", "password": created[-1]},
            timeout=10,
        )
        assert signed_in.status_code == 201, signed_in.text
        assert signed_in.json()["must_change_password"] is True
        reset = vledger(home, "login", "reset-password", login_id).splitlines()
        assert reset[-1] != created[-1]
        token = signed_in.json()["access_token"]
        assert call(server, token, "GET", "/v1/me").status_code == 401  # ended
        again = httpx.post(
            server.url + "/v1/sessions",
            json={"login": "chief", "password": reset[-1]},
            timeout=10,
        )
        assert again.status_code == 201, again.text
        refused = run_vledger(home, "login", "unlock", login_id)
        assert refused.returncode == 2
        assert "state_allows_command" in refused.stderr
    finally:
        assert server.stop() == 0


def postgres_of(home: Path) -> list[int]:
    """Postgres servers running on the home's data directory."""
    pgdata = str((home / "pgdata").resolve())
    return [
        p.pid
        for p in psutil.process_iter(["name", "cmdline"])
        if p.info["name"] == "postgres" and pgdata in (p.info["cmdline"] or [])
    ]


def test_serve_stopped_by_sigterm_stops_the_embedded_postgres_it_started(
    home: Path,
) -> None:
    server = Server(home)
    assert postgres_of(home)
    assert server.stop() == 0
    wait_for(lambda: not postgres_of(home), "the embedded Postgres stopped")


def test_a_server_left_by_a_killed_serve_stops_with_the_next_one(home: Path) -> None:
    """kill -9 leaves the killed process listed as a user of the embedded server;
    the next `vledger serve` forgets it, so its own clean stop is the last one."""
    killed = Server(home)
    killed.process.kill()
    killed.process.wait(timeout=30)
    assert postgres_of(home)  # nobody stopped it
    second = Server(home)
    assert second.stop() == 0
    wait_for(lambda: not postgres_of(home), "the embedded Postgres stopped")


def test_the_embedded_postgres_outlives_serve_while_another_process_uses_it(
    home: Path,
) -> None:
    first, second = Server(home), Server(home)
    assert first.stop() == 0
    time.sleep(1)  # what stopping would have done by now
    assert postgres_of(home)
    assert httpx.get(f"{second.url}/health", timeout=10).status_code == 200
    assert second.stop() == 0
    wait_for(lambda: not postgres_of(home), "the embedded Postgres stopped")
