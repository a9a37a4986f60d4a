"""Headless Chromium (Debian's chromium + chromium-driver) driven by Selenium, with screenshots kept.

Screenshots go to ``$WECOMBOT_ARTIFACTS`` (default ``test-artifacts/browser`` in the checkout). Without
Chromium the tests are skipped, unless ``WECOMBOT_REQUIRE_SERVICES=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.api.conftest import api  # noqa: F401

CHROMIUM = os.environ.get("WECOMBOT_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("WECOMBOT_CHROMEDRIVER", "/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def artifacts() -> Path:
    folder = Path(os.environ.get("WECOMBOT_ARTIFACTS", ROOT / "test-artifacts" / "browser"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        message = f"needs {CHROMIUM} and {CHROMEDRIVER} (Debian packages chromium, chromium-driver)"
        if os.environ.get("WECOMBOT_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    profile = tempfile.mkdtemp(prefix="wecombot-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # Flags for a machine without a screen or outside network (see the machine notes).
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1280,1000",
        "--lang=zh-CN",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
