"""Chinese labels (and chart colours) for the words of deliveries, slots, templates and journeys."""

from __future__ import annotations

OUTBOX_LABELS = {
    "sent": "已发送",
    "pending": "待发送",
    "claimed": "发送中",
    "failed": "失败",
    "blocked": "合规拦截",
    "cancelled": "已撤销",
}
# Bottom-up order of the stacked bars, and their colours.
OUTBOX_ORDER = ("sent", "pending", "claimed", "failed", "blocked", "cancelled")
OUTBOX_COLORS = {
    "sent": "#07a35a",
    "pending": "#5b8ff9",
    "claimed": "#9ab8f7",
    "failed": "#d83931",
    "blocked": "#c45500",
    "cancelled": "#a0a5ad",
}
SLOT_STATES = {
    "fired": ("已发出", "done"),
    "running": ("发送中", "running"),
    "failed": ("失败", "rejected"),
    "skipped": ("已跳过", "cancelled"),
    "upcoming": ("待发送", "submitted"),
    "missed": ("未触发", "rejected"),
    "before_schedule": ("排期前已过", "draft"),
    "not_today": ("今日休市不发", "draft"),
    "disabled": ("已停用", "draft"),
    "unknown_day": ("交易日历未覆盖", "rejected"),
}
FIRE_KINDS = {"slot": "内容栏目", "campaign": "营销活动", "event": "事件点评", "schedule": "定时任务"}
CAMPAIGN_STATES = {"scheduled": "已排期", "running": "发送中"}
SEGMENT_STYLES = {
    "default": "通用",
    "long_tail": "长尾客户",
    "affluent": "富裕客户",
    "hnw": "高净值客户",
    "staff": "员工",
}
AREAS = {
    "campaigns": "营销活动",
    "slots": "内容栏目",
    "community": "社群运营",
    "companion": "客户陪伴",
    "reminders": "经理提醒",
    "fund_qa": "基金问答",
    "kf": "微信客服",
    "help": "帮助",
    "general": "通用",
}
VERSION_STATUSES = {
    "approved": "已生效",
    "draft": "草稿",
    "pending_review": "待审核",
    "rejected": "已驳回",
    "retired": "已停用",
}
TRIGGERS = {
    "customer_added": "新增客户",
    "purchase": "申购",
    "redemption": "赎回",
    "drawdown": "持仓回撤",
    "market_move": "市场波动",
    "maturity": "产品到期",
    "birthday": "客户生日",
    "idle_balance": "闲置资金",
    "new_fund": "新发基金",
    "monthly": "每月",
}
ACTIONS = {
    "send": "发送内容",
    "remind": "提醒客户经理",
    "tag": "打标签",
    "branch": "条件分支",
    "exit": "结束",
}
STEP_CHANNELS = {
    "customer_task": "经理确认后发给客户",
    "manager_forward": "发给经理转发",
    "manager_note": "发给经理参考",
}
REMINDER_STATES = {
    "pending": "待发送",
    "sent": "已提醒",
    "done": "已跟进",
    "dismissed": "已忽略",
    "suppressed": "已抑制",
}
JOURNEY_STATES = {"active": "进行中", "done": "已完成", "cancelled": "已退出"}
MASS_TASK_LABELS = {
    "created": ("待经理确认", "submitted"),
    "partly_sent": ("部分已发", "running"),
    "sent": ("已确认发送", "done"),
    "cancelled": ("已取消", "cancelled"),
    "failed": ("失败", "rejected"),
}
SKIP_REASONS = {
    "opt_out": "已退订",
    "suitability": "风险等级不匹配",
    "quiet_hours": "免打扰时段",
    "monthly_cap": "本月群发次数已满",
    "frequency_cap": "发送过于频繁",
    "compliance": "合规拦截",
}
