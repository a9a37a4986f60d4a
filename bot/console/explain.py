"""Refusals from the campaign book and the keyword desk, said in Chinese for the console.

The API answers bank systems in English with the field named (``schedule.cron: ...``); people in the
console read Chinese. Known messages are translated whole; any other keeps its detail after the field's
Chinese name, so nothing the person needs is lost.
"""

from __future__ import annotations

import re

from bot.api.spec import FIELD_PREFIX

FIELDS = {
    "name": "活动名称",
    "template": "模板",
    "channel": "渠道",
    "content_kind": "内容类型",
    "variables": "内容变量",
    "product_code": "产品代码",
    "schedule.at": "发送时间",
    "schedule.cron": "发送周期",
    "schedule.slot": "内容时段",
    "schedule.kind": "发送方式",
    "expires_at": "截止时间",
    "author": "作者",
    "audience": "受众",
    "audience.segments": "客群",
    "audience.chat_type": "发送对象",
    "audience.holders_of": "持有基金",
    "audience.robots": "群机器人",
    "pattern": "关键词",
    "reply_text": "回复内容",
    "roles": "员工角色",
    "channels": "渠道",
    "priority": "优先级",
    "match": "匹配方式",
    "enabled": "状态",
    "approve": "审核通过",
    "reject": "驳回",
    "submit": "提交审核",
    "cancel": "撤销",
}
SLOW_PATTERN = "该正则表达式可能使匹配极慢，请简化（避免嵌套重复、重复内的多选和反向引用）。"
WHOLE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^name: required$"), "请填写活动名称。"),
    (re.compile(r"^name: not only digits"), "活动名称不能全是数字（数字用于按编号查找活动）。"),
    (re.compile(r"^name: a campaign '(.+)' exists already$"), "已有名为「{0}」的活动，请换一个名称。"),
    (re.compile(r"^name: '(.+)' exists already$"), "已有名为「{0}」的规则，请换一个名称。"),
    (re.compile(r"^name: '(.+)' is a config rule"), "「{0}」是配置文件中的规则，请换一个名称。"),
    (re.compile(r"^name: 1-64 of"), "规则名须为 1-64 位小写字母、数字或 _ . -，以字母或数字开头。"),
    (re.compile(r"^\w+: the reviewer must not be the author"), "作者本人不能审核自己的活动。"),
    (re.compile(r"^reject: a reason is required$"), "驳回时请填写原因。"),
    (re.compile(r"^approve: expired while it waited"), "活动已过截止时间：请驳回，由作者修改后重新提交。"),
    (re.compile(r"^campaign '.+' is (\w+): cannot (\w+)$"), "当前状态下不能执行此操作。"),
    (re.compile(r"^expires_at: .+ has passed$"), "截止时间已过，请填写将来的时间。"),
    (re.compile(r"^schedule\.slot: unknown slot"), "内容时段不存在，请重新选择。"),
    (re.compile(r"^schedule\.cron: "), "发送周期须为 cron 格式，如 0 10 * * mon-fri（工作日 10:00）。"),
    (re.compile(r"^schedule\.at: "), "发送时间格式不正确，请重新选择。"),
    (re.compile(r"^variables: the template cannot be filled: '(\w+)' is undefined"), "请填写变量「{0}」。"),
    (re.compile(r"^product_code: no fund or product '(.+)'$"), "没有代码为 {0} 的基金或理财产品。"),
    (re.compile(r"^audience\.holders_of: "), "持有基金须填写 6 位基金代码。"),
    (re.compile(r"^reply_text: give either"), "请填写回复内容或选择一个模板（二选一）。"),
    (re.compile(r"^pattern: not a regular expression"), "关键词不是有效的正则表达式。"),
    (re.compile(r"^pattern: .*(can take for ever|back-references)"), SLOW_PATTERN),
    (re.compile(r"^roles: roles limit staff"), "仅限客户（微信客服）的规则不能再按员工角色限制。"),
)


def explain(message: str) -> str:
    """``message`` in Chinese: whole when known, else the field's Chinese name with the detail."""
    for pattern, chinese in WHOLE:
        found = pattern.search(message)
        if found:
            return chinese.format(*found.groups())
    prefixed = FIELD_PREFIX.match(message)
    if prefixed and prefixed.group(1) in FIELDS:  # the field the API names in its answer
        return f"{FIELDS[prefixed.group(1)]}：{message[prefixed.end() :]}"
    return message
