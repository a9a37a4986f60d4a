"""The console in a real browser: operations signs in with WeCom, creates a campaign, sees the compliance
finding, fixes it and submits; a reviewer approves; the campaign is delivered to the simulator and a manager's
task is confirmed from the simulator page. Screenshots of each step are kept as test artefacts.

Selenium is synchronous, so the scenario runs in a worker thread while the event loop serves the console.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from aiohttp import ClientSession
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.api.conftest import ApiCaller

PROMISE = "本产品保本保收益，稳赚不赔！"
CLEAN = "本周六下午举办养老规划沙龙，欢迎预约。"
NAME = "周末养老规划沙龙（浏览器测试）"


class Steps:
    def __init__(self, driver: webdriver.Chrome, base: str, shots: Path) -> None:
        self.driver, self.base, self.shots = driver, base, shots
        self.wait = WebDriverWait(driver, 20)
        self.count = 0

    def shot(self, name: str) -> None:
        self.count += 1
        self.driver.save_screenshot(str(self.shots / f"{self.count:02d}-{name}.png"))

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def find(self, css: str) -> webdriver.remote.webelement.WebElement:
        return self.wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))

    def click(self, css: str) -> None:
        self.wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, css))).click()

    def type(self, css: str, text: str) -> None:
        field = self.find(css)
        field.clear()
        field.send_keys(text)

    def text(self, css: str) -> str:
        return self.find(css).text

    def sign_in_with_wecom(self, userid: str) -> None:
        self.open("/console/")
        self.click("#wecom-login")  # to the simulator's WeCom sign-in page
        self.click(f"#member-{userid}")  # the member "scans and confirms"
        self.wait.until(ec.url_contains("/console/"))
        assert userid in self.text("#me")

    def sign_out(self) -> None:
        self.click("header form button")
        self.find("#wecom-login")


def scenario(driver: webdriver.Chrome, base: str, shots: Path) -> str:
    s = Steps(driver, base, shots)
    s.open("/console/")
    s.find("#wecom-login")
    s.shot("sign-in")

    s.sign_in_with_wecom("ops_liuyan")
    s.shot("dashboard-operations")

    s.open("/console/campaigns")
    s.click("#new-campaign")
    s.type("#name", NAME)
    s.type("#var_title", "养老规划沙龙")
    s.type("#var_body", PROMISE)
    s.click("input[name=segments][value=affluent]")
    s.click("input[name=segments][value=hnw]")
    s.click("#save")
    finding = s.find(".finding")
    assert "保本" in finding.text or "保证" in finding.text or finding.get_attribute("data-rule")
    assert "未通过" in s.text("#findings-summary")
    assert s.find("#submit").get_attribute("disabled") is not None
    s.shot("compliance-finding")

    s.type("#var_body", CLEAN)
    s.click("#save")
    s.wait.until(ec.text_to_be_present_in_element((By.ID, "findings-summary"), "合规检查通过"))
    assert not driver.find_elements(By.CSS_SELECTOR, ".finding")
    s.shot("fixed")
    s.click("#submit")
    s.wait.until(ec.text_to_be_present_in_element_attribute((By.ID, "status"), "data-status", "submitted"))
    campaign_url = driver.current_url.split("?")[0]  # without the notice shown after the redirect
    s.shot("submitted")
    s.sign_out()

    s.sign_in_with_wecom("cmp_zhouqi")
    s.open("/console/review")
    s.click(f"a[href='{campaign_url.removeprefix(base)}']")
    s.shot("review")
    s.click("#approve")
    s.wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".notice.ok"), "审核通过"))
    s.shot("approved")

    # The scheduler fires the approved campaign: each manager gets a mass-message task in the simulator.
    for _ in range(60):
        driver.get(campaign_url)
        if s.find("#status").get_attribute("data-status") == "done":
            break
        time.sleep(0.5)
    assert s.find("#status").get_attribute("data-status") == "done"
    created = s.find("[data-key=tasks_created]").text
    assert int(created) > 0
    s.shot("delivered")
    s.sign_out()

    s.sign_in_with_wecom("ops_liuyan")
    s.open("/console/sandbox")
    manager = s.find(".confirm-task").get_attribute("data-userid")
    s.click(".confirm-task")
    s.wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".notice.ok"), "已确认发送"))
    s.shot("manager-confirmed")

    driver.set_window_size(390, 844)  # a phone-sized screen
    driver.get(campaign_url)
    s.find("#status")
    s.shot("phone-campaign")
    s.click(".menu-button")
    s.shot("phone-menu")
    s.sign_out()

    # The manager opens their task list, where the card asking them to confirm leads, on the phone.
    s.sign_in_with_wecom(manager)
    s.open("/console/deliveries?channel=mass_task")
    rows = driver.find_elements(By.CSS_SELECTOR, "#deliveries tbody tr")
    assert rows and all(row.find_elements(By.CSS_SELECTOR, ".task-status") for row in rows)
    s.shot("phone-manager-tasks")
    return manager


async def test_campaign_from_draft_to_delivery_in_a_browser(
    api: ApiCaller, browser: webdriver.Chrome, artifacts: Path
) -> None:
    manager = await asyncio.to_thread(scenario, browser, api.stack.service_url, artifacts)
    confirmed = [
        r
        for r in (await api.call("GET", "/api/v1/campaigns"))[1]["campaigns"]
        if r["name"] == NAME and r["reviewer"] == "cmp_zhouqi" and r["author"] == "ops_liuyan"
    ]
    assert confirmed, "the campaign kept its author and reviewer"
    async with ClientSession() as http:
        async with http.get(api.stack.sandbox_url + "/_sandbox/mass_tasks") as resp:
            tasks = await resp.json()
    assert any(t["senders"].get(manager) == 2 for t in tasks)  # 2 = sent, in WeCom's terms
    assert (artifacts / "03-compliance-finding.png").stat().st_size > 10_000
