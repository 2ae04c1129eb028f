"""The MLflow UI in a real browser: two registered guideline versions compared side by
side on the prompt's page (headless Debian Chromium driven by Playwright). The page's
text must show both versions; the screenshot is kept (`ACON_UI_SCREENSHOT_DIR` to keep
it beyond the test's temporary folder)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from acon.guidelines import GuidelineStore, Lineage
from acon.tracking import prompt_name, sync_guidelines
from acon.tracking.mlflow_server import TrackingServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
V1 = "Keep every variable the task needs. Marker ALPHA-ONE."
V2 = "Keep every variable and the to-do list; drop boilerplate. Marker BRAVO-TWO."


@pytest.fixture
def browser(tmp_path):
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "playwright is not installed (pip install -e '.[tracking-ui]')"
    if missing is None and not Path(CHROMIUM).exists():
        missing = "chromium is not installed (apt-get install -y chromium, or make setup)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"UI test prerequisites missing in CI: {missing}")
        pytest.skip(missing)
    with sync_playwright() as p:
        # a fresh profile per test: nothing from another run's browser state
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1600, "height": 1000},
        )
        yield context
        context.close()


@pytest.mark.integration
def test_two_guideline_versions_side_by_side_in_the_mlflow_ui(browser, store, tmp_path):
    uri, artifacts = store
    root = tmp_path / "guidelines"
    guidelines = GuidelineStore(root)
    first = guidelines.add("history", "acon-opt", V1, Lineage(step="start"))
    second = guidelines.add(
        "history", "acon-opt", V2, Lineage(parent=first.version, step="ut", round=1, score=0.75)
    )
    guidelines.set_alias("history", "acon-opt", "baseline", first.version)
    guidelines.set_alias("history", "acon-opt", "best", second.version)
    prompt = prompt_name("facts", "history")
    sync_guidelines(root, "history", "acon-opt", prompt, uri)

    with TrackingServer(uri, artifacts, tmp_path / "server.log") as server:
        page = browser.new_page()
        page.goto(f"{server.uri}/#/prompts/{prompt}", wait_until="load")
        page.get_by_text("BRAVO-TWO").first.wait_for(timeout=90_000)  # the latest version
        page.locator("label:has(input[value=compare])").click()
        page.get_by_text("Comparing version 2 with version 1").wait_for(timeout=30_000)
        page.get_by_text("ALPHA-ONE").first.wait_for(timeout=30_000)
        shot = tmp_path / "prompt-compare.png"
        page.screenshot(path=str(shot), full_page=True)
        text = " ".join(page.inner_text("body").split())  # also turns NBSPs into spaces

    assert "Comparing version 2 with version 1" in text
    assert V1 in text and V2 in text  # both versions' texts, side by side
    assert "@ baseline" in text and "@ best" in text
    assert "acon-opt v2: ut from v1, round 1" in text  # the lineage, with each version
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    if os.environ.get("ACON_UI_SCREENSHOT_DIR"):
        keep = Path(os.environ["ACON_UI_SCREENSHOT_DIR"])
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, keep / shot.name)
