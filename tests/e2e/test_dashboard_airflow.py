"""The dashboard as the Airflow plugin, through the real Airflow API server and its own login: no data
without a valid token, a PR manager's browser (Debian's chromium) sent from an alert's link to
Airflow's login page and back to the incident, and API clients with a bearer token."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import httpx
import pytest

from brandmon.airflow_setup import AirflowHome, airflow_bin, airflow_env, initialise, wait_for_http
from tests.brandmon.dashboard_world import CHROMIUM, CHROMIUM_ARGS, build_world, free_port
from warehouse import dashboard as reads
from warehouse.db import reader

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def airflow(tmp_path_factory):
    """The demo world, and the Airflow API server alone on its state folder, serving the plugin."""
    root = tmp_path_factory.mktemp("airflow_dashboard")
    config = build_world(root)
    conn = reader(config.warehouse)
    (incident,) = reads.incidents(conn)
    conn.close()
    layout = AirflowHome(config.state_dir)
    port = free_port()
    env = airflow_env(layout, port)
    env.update(BRANDMON_CONFIG=str(root / "brands.yaml"), PYTHONWARNINGS="ignore")
    initialise(env)
    layout.logs.mkdir(parents=True, exist_ok=True)
    with open(layout.logs / "api-server.log", "ab") as log:
        server = subprocess.Popen([airflow_bin(), "api-server", "--host", "127.0.0.1", "--port", str(port)], env=env,
                                  stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, process_group=0)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/v2/monitor/health", 240)
        password = json.loads(layout.passwords_file.read_text())["admin"]
        yield {"base": f"http://127.0.0.1:{port}", "incident": incident, "password": password, "root": root}
    finally:
        for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 5)):
            try:
                os.killpg(server.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while server.poll() is None and time.monotonic() < deadline:
                time.sleep(0.3)
            if server.poll() is not None:
                break


def test_without_a_valid_token_the_plugin_shows_no_data(airflow):
    base, incident = airflow["base"], airflow["incident"]
    for path in ("/brandmon/", f"/brandmon/incidents/{incident.incident_id}", f"/brandmon/alerts/{incident.alert_ids[0]}",
                 "/brandmon/voice", "/brandmon/sources"):
        anonymous = httpx.get(base + path)
        assert anonymous.status_code == 401 and "示例咖啡" not in anonymous.text
        browser = httpx.get(base + path, headers={"Accept": "text/html"})
        assert browser.status_code == 303 and browser.headers["location"].startswith("/auth/login?next=")
        forged = httpx.get(base + path, headers={"Authorization": "Bearer not-a-token"})
        assert forged.status_code == 401 and "示例咖啡" not in forged.text
        with httpx.Client(cookies={"_token": "not-a-token"}) as cookie:
            assert cookie.get(base + path).status_code == 401


def test_a_bearer_token_from_airflow_reads_the_dashboard_and_airflow_lists_the_plugin(airflow):
    base = airflow["base"]
    token = httpx.post(f"{base}/auth/token", json={"username": "admin", "password": airflow["password"]}
                       ).raise_for_status().json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    page = httpx.get(f"{base}/brandmon/", headers=headers)
    assert page.status_code == 200 and "示例咖啡" in page.text and "admin" in page.text
    plugins = httpx.get(f"{base}/api/v2/plugins", headers=headers).raise_for_status().json()["plugins"]
    (ours,) = [p for p in plugins if p["name"] == "brandmon_dashboard"]
    assert ours["fastapi_apps"][0]["url_prefix"] == "/brandmon"


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no {CHROMIUM}: `make test` installs Debian's chromium as root")
def test_an_alert_link_goes_through_airflows_login_to_the_incident(airflow):
    from playwright.sync_api import sync_playwright

    from tests.brandmon.test_dashboard_browser import picture, shot

    base, incident = airflow["base"], airflow["incident"]
    folder = airflow["root"]
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(folder / "chromium-profile"), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1200, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{base}/brandmon/alerts/{incident.alert_ids[-1]}")
        page.wait_for_url("**/auth/login?next=**")
        assert "示例咖啡" not in page.content()
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", "wrong password")
        with page.expect_response("**/auth/token") as refused:
            page.get_by_role("button", name="Sign in").click()
        assert refused.value.status == 401 and "/auth/login" in page.url and "示例咖啡" not in page.content()
        page.fill("input[name=password]", airflow["password"])
        picture(shot(page, "airflow_login", folder))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"**/brandmon/incidents/{incident.incident_id}", timeout=60_000)
        assert "示例咖啡" in page.locator("h1").inner_text() and "admin" in page.locator(".who").inner_text()
        assert page.locator("svg.volume-chart").count() == 2 and page.locator(".post-list li").count() >= 5
        picture(shot(page, "airflow_incident", folder))
        context.close()
