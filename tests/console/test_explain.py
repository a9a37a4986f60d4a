"""Refusals shown in the console are Chinese, translated whole when known, with the detail otherwise."""

from __future__ import annotations

import pytest

from bot.console.explain import explain


@pytest.mark.parametrize(
    ("message", "chinese"),
    [
        ("name: a campaign '年末活动' exists already", "已有名为「年末活动」的活动，请换一个名称。"),
        ("approve: the reviewer must not be the author (admin)", "作者本人不能审核自己的活动。"),
        ("schedule.cron: cron needs 5 fields", "发送周期须为 cron 格式"),
        ("variables: the template cannot be filled: 'title' is undefined", "请填写变量「title」。"),
        ("pattern: a repeat inside a repeat (like (a+)+) can take for ever", "该正则表达式可能使匹配极慢"),
        ("channel: one of mass_task, app_message", "渠道：one of mass_task, app_message"),
        ("something else entirely", "something else entirely"),
    ],
)
def test_known_refusals_read_in_chinese(message: str, chinese: str) -> None:
    assert explain(message).startswith(chinese)
