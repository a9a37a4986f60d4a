"""Every page of the navigation opens in a real browser for the admin, on a laptop and on a phone-sized
screen, with its heading and no server error; screenshots of each are kept as test artefacts."""

from __future__ import annotations

import asyncio
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from bot.console.render import NAV
from tests.api.conftest import ADMIN_PASSWORD, ApiCaller

SIZES = {"laptop": (1280, 900), "phone": (390, 844)}


def visit_all(driver: webdriver.Chrome, base: str, shots: Path) -> dict[str, str]:
    wait = WebDriverWait(driver, 20)
    driver.get(base + "/console/login")
    wait.until(ec.presence_of_element_located((By.TAG_NAME, "details"))).click()
    driver.find_element(By.ID, "username").send_keys("admin")
    driver.find_element(By.ID, "password").send_keys(ADMIN_PASSWORD)
    driver.find_element(By.ID, "local-login").click()
    wait.until(ec.presence_of_element_located((By.ID, "me")))
    headings = {}
    for size, (width, height) in SIZES.items():
        driver.set_window_size(width, height)
        for path, label, _ in NAV:
            driver.get(base + path)
            heading = wait.until(ec.presence_of_element_located((By.TAG_NAME, "h1"))).text
            headings[f"{size} {path}"] = heading
            name = path.strip("/").replace("/", "-") or "console"
            driver.save_screenshot(str(shots / f"page-{size}-{name}.png"))
            overflow = driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"{path} is wider than a {size} screen by {overflow}px"
            assert "Traceback" not in driver.page_source and label
    return headings


async def test_every_page_opens_on_a_laptop_and_a_phone(
    api: ApiCaller, browser: webdriver.Chrome, artifacts: Path
) -> None:
    headings = await asyncio.to_thread(visit_all, browser, api.stack.service_url, artifacts)
    assert len(headings) == 2 * len(NAV)
    assert all(headings.values()), headings
