"""The dashboard in a real browser: Debian's chromium driven by playwright (no browser is downloaded),
each page opened as a PR manager would, screenshotted, and checked for the brand name, the chart and
the posts, in the DOM and in the picture.

Screenshots go to the test's folder; with BRANDMON_SCREENSHOT_DIR set (docs/screenshots) they are
kept there, which is how the ones in the README and docs/dashboard.md are made.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image

from brandmon.dashboard.app import create_app
from warehouse import dashboard as reads
from warehouse.db import reader

from .dashboard_world import CHROMIUM, CHROMIUM_ARGS, HOSTILE, SESSION, build_world, loader, serve, viewer

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no {CHROMIUM}: `make test` installs Debian's chromium "
                                                             "when run as root (apt-get install chromium)")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    config = build_world(root)
    conn = reader(config.warehouse)
    (incident,) = reads.incidents(conn)
    conn.close()
    with serve(create_app(loader(root / "brands.yaml"), viewer)) as url:
        yield url, incident, root


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    url, _, root = site
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(root / "chromium-profile"), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1200, "height": 900}, locale="zh-CN")
        context.add_cookies([{"name": "session", "value": SESSION, "url": url}])
        yield context
        context.close()


def shot(page, name: str, folder: Path) -> Path:
    """A full-page PNG into the test's folder, and into BRANDMON_SCREENSHOT_DIR when set."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if keep := os.environ.get("BRANDMON_SCREENSHOT_DIR"):
        Path(keep).mkdir(parents=True, exist_ok=True)
        (Path(keep) / path.name).write_bytes(path.read_bytes())
    return path


def picture(path: Path) -> np.ndarray:
    """The screenshot's pixels (RGB, 0..1); checks it is a real, non-trivial picture first."""
    assert path.stat().st_size > 20_000
    pixels = image.imread(path)[..., :3]
    assert pixels.shape[0] >= 900 and pixels.shape[1] == 1200
    return pixels


def colour_share(pixels: np.ndarray, rgb: str) -> float:
    """The share of pixels within a small distance of a chart colour ('#rrggbb')."""
    target = np.array([int(rgb[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return float((np.abs(pixels - target).max(axis=-1) < 0.03).mean())


def test_the_incident_page_from_an_alert_link_shows_the_brand_the_chart_and_the_posts(site, browser, tmp_path):
    url, incident, _ = site
    page = browser.new_page()
    page.goto(f"{url}/alerts/{incident.alert_ids[-1]}")
    assert page.url == f"{url}/incidents/{incident.incident_id}"
    assert "示例咖啡" in page.locator("h1").inner_text()
    assert page.locator("svg.volume-chart").count() == 2
    assert page.locator("svg.volume-chart").first.locator("rect.bar.mentions").count() >= 24 * 6
    assert page.locator("rect.spike-mark").count() == 2 and page.locator("svg.volume-chart").first.bounding_box()["height"] > 200
    posts = page.locator(".post-list li")
    # the burst's copied complaint is grouped (the demo's spreading post, one post with reach, may come first)
    assert posts.count() >= 5 and "生椰拿铁" in posts.first.inner_text() and page.locator(".post-list li .copies").count() >= 1
    assert page.locator(".post-list img").count() == 0 and page.get_by_text(HOSTILE, exact=False).count() == 1
    assert page.locator(".timeline tbody tr").count() == len(incident.alert_ids)
    assert page.locator("svg.bar-list rect.bar").count() >= 3
    pixels = picture(shot(page, "incident", tmp_path))
    assert colour_share(pixels, "#6f8fc7") > 0.005  # the mention bars are drawn
    assert colour_share(pixels, "#f6d8d4") > 0.002  # and the spike is shaded
    page.goto(f"{url}/incidents/{incident.incident_id}?lang=en")
    assert "Posts that matter most" in page.content()
    picture(shot(page, "incident_en", tmp_path))
    page.close()


def test_the_overview_voice_and_source_pages(site, browser, tmp_path):
    url, incident, _ = site
    page = browser.new_page()
    page.goto(f"{url}/")
    rows = page.locator("tr.brand-row")
    assert rows.count() == 2 and "示例咖啡" in rows.first.inner_text() and "样板茶饮" in rows.nth(1).inner_text()
    assert rows.first.locator("svg.sparkline rect").count() == 14
    page.get_by_role("link", name="示例咖啡").first.click()
    page.wait_for_url(f"**/incidents/{incident.incident_id}**")
    page.goto(f"{url}/")
    picture(shot(page, "overview", tmp_path))

    page.get_by_role("link", name="声量份额").click()
    page.wait_for_url("**/voice**")
    assert page.locator("section.voice-group").count() == 2
    assert page.locator("section.voice-group").first.locator("rect.bar").count() == 2 * 14
    picture(shot(page, "voice", tmp_path))

    page.get_by_role("link", name="数据源健康").click()
    page.wait_for_url("**/sources**")
    assert page.locator("tr.source-row.error").count() == 1 and "no archive file" in page.locator("td.error").first.inner_text()
    picture(shot(page, "sources", tmp_path))
    page.close()


def test_without_a_session_the_browser_lands_on_the_login_page_and_sees_no_data(site, browser):
    url, incident, _ = site
    page = browser.new_page()
    page.context.clear_cookies()
    page.goto(f"{url}/incidents/{incident.incident_id}")
    assert "/login?next=" in page.url and "示例咖啡" not in page.content()
    page.context.add_cookies([{"name": "session", "value": SESSION, "url": url}])
    page.close()
