"""Turn a message ("000001净值多少", "易方达蓝筹近一年收益", "赎回几天到账") into an :class:`Intent`.

Pure: a fund index (and optionally the FAQ index) in, a dataclass out; the fund Q&A handler decides
what to answer, checks roles (``holdings_diagnose`` is for managers) and hands ``human`` and, for
customers, ``own_account`` to a person. Rules, first match wins:

1. ``holdings_diagnose`` (客户持仓诊断 NAME), ``human`` (转人工, 找客户经理), ``own_account`` (我的基金,
   我亏了多少, 我的钱什么时候到账);
2. with funds found: ``compare`` (two or more funds, or 比较/对比/哪个好 ...), ``diagnose`` (诊断,
   怎么样, 值得买吗 ...), then one field: fees, manager, company, risk, size, type, returns, nav; a
   fund alone is ``profile``;
3. without funds: explicit 诊断 stays ``diagnose`` (the handler says the fund was not found);
   greetings and 帮助 are ``help``; a field word that is not a definition question ("收益高吗", not
   "净值是什么") keeps its kind with no fund (the handler asks which fund); an FAQ hit (or, without an
   FAQ index, an FAQ-like word) is ``faq``; a code not in the index keeps its field (or ``profile``);
   else ``unknown``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.faq import FaqIndex
from handlers.fund_lookup import FundIndex, Match, codes_in, normalize

KINDS = (
    "nav", "returns", "risk", "manager", "company", "fees", "type", "size", "profile", "diagnose",
    "compare", "holdings_diagnose", "faq", "human", "own_account", "help", "unknown",
)  # fmt: skip
MAX_COMPARE = 3


@dataclass(frozen=True, slots=True)
class Intent:
    """What the asker wants; ``fund_codes`` in order of mention, ``unknown_codes`` not in the index."""

    kind: str
    fund_codes: tuple[str, ...] = ()
    period: str | None = None
    customer_name: str | None = None
    raw: str = ""
    matches: tuple[Match, ...] = ()
    unknown_codes: tuple[str, ...] = ()
    faq_ids: tuple[str, ...] = ()


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_HOLDINGS = _re(
    r"(?:客户)?(?:持仓|组合)(?:诊断|分析|体检|检视)\s*[:：]?\s*(?P<name>[^\s,，。?？!！]*)"
    r"|(?:诊断|分析|体检)(?:一下)?(?:客户)?\s*(?P<name2>[^\s,，。?？!！的]+)的(?:持仓|组合)"
)
_HUMAN = _re(r"转人工|人工客服|人工服务|找人工|要人工|真人|找客服|联系客服|客户经理|理财经理|投资顾问|投诉")
_OWN = _re(
    r"我的(?:基金|持仓|收益|账户|资产|钱|订单|份额|定投|理财|仓位|本金|交易|赎回|申购|申请|盈亏)"
    r"|我(?:买|持有|赎回|申购|定投|投)(?:了|的)|我(?:亏|赚|挣|损失)了|我(?:现在|目前)?还?(?:有|持有|剩)多少"
    r"|我.{0,8}(?:到账了吗|还没到|没到账|到哪了)|帮我(?:查|看)(?:一下|下)?(?:我的)?(?:持仓|账户|收益)"
)
_COMPARE = _re(r"比较|对比|比一比|pk|vs|哪个好|哪只好|哪个更|哪只更|选哪|哪个强|哪只强|区别|差别")
_DIAGNOSE = _re(
    r"诊断|体检|怎么样|好不好|值得|能买吗|能不能买|可以买吗|还能(?:拿|持有|买)|要不要(?:卖|买|赎回|继续)"
    r"|该不该|分析|评价|靠谱|表现如何|表现怎么样|能入吗|上车"
)
_FIELDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("fees", _re(r"费|费率")),
    ("manager", _re(r"经理|谁管|谁在管|操盘")),
    ("company", _re(r"公司|哪家|管理人|发行方|谁家")),
    ("risk", _re(r"风险|r[1-5几]|几级|稳不稳|稳吗|稳健吗|安全吗|波动|保本|危险")),
    ("size", _re(r"规模|多大|多少亿|体量")),
    ("type", _re(r"类型|什么类|哪类|哪一类|股票型吗|债券型吗|混合型吗|属于什么|什么基金|是什么型")),
    ("returns", _re(r"收益|回报|业绩|涨幅|累计|赚了多少|涨了多少|跌了多少|年化|表现")),
    ("nav", _re(r"净值|涨了吗|跌了吗|涨没涨|跌没跌|涨跌|今天|昨天|多少钱|价格|最新|行情|估值")),
)
_HELP = _re(
    r"^(?:帮助|help|菜单|功能|\?|？|你好|您好|hi|hello|在吗|在不在)[!！。?？~]*$|你能做什么|你会什么|怎么用|使用说明"
)
_FAQ_HINT = _re(
    r"申购|认购|赎回|到账|确认|费|r[1-5]|c[1-5]|风险等级|测评|定投|分红|qdii|货币基金|净值是|什么意思"
    r"|是什么|区别|夏普|回撤|转换|交易时间|节假日|几点|保本|a类|c类|七日年化|万份收益|起购|适当性"
)
_PERIODS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("since_inception", _re(r"成立以来|成立至今|成立后|自成立|成立来")),
    ("ytd", _re(r"今年|年初至今|年初以来|本年")),
    ("3y", _re(r"(?:三|3)年")),
    ("6m", _re(r"半年|(?:六|6)个?月")),
    ("1y", _re(r"(?<![0-9一二两三四五六七八九十])(?:一|1)年|去年以来|一年来|近年")),
    ("3m", _re(r"(?:三|3)个?月|季度")),
    ("1m", _re(r"(?<![0-9一二两三四五六七八九十])(?:一|1)个?月|近月|本月|这个月")),
)
# Without a fund, only unmistakable fund words keep a field kind ("今天天气怎么样" is not about NAV).
_FUNDLESS_FIELD = _re(r"净值|收益|回报|业绩|涨幅|风险|基金经理|规模|基金公司|费率|基金类型")
_NAME_STRIP = "：:，,。.!！?？ "


def parse_period(text: str) -> str | None:
    """The period a message names (see fund_metrics.PERIODS), or None."""
    norm = normalize(text)
    return next((name for name, pattern in _PERIODS if pattern.search(norm)), None)


def parse(text: str, index: FundIndex, faq: FaqIndex | None = None) -> Intent:
    """Classify one message; ``faq`` (when given) decides fund-less questions by search."""
    if not isinstance(text, str):
        raise TypeError(f"message text must be a string, got {type(text).__name__}")
    norm = normalize(text).strip()
    if not norm:
        return Intent("help", raw=text)

    holdings = _HOLDINGS.search(norm)
    if holdings:
        name = (holdings.group("name") or holdings.group("name2") or "").strip(_NAME_STRIP)
        if name.startswith("我") or "我的" in norm[: holdings.start()]:
            return Intent("own_account", raw=text)
        return Intent("holdings_diagnose", customer_name=name or None, raw=text)
    if _HUMAN.search(norm):
        return Intent("human", raw=text)
    if _OWN.search(norm):
        return Intent("own_account", raw=text)

    matches = tuple(index.find(norm))
    codes = tuple(m.code for m in matches)
    unknown = tuple(dict.fromkeys(c for c, _ in codes_in(norm) if c not in index.funds))
    period = parse_period(norm)

    def intent(kind: str, faq_ids: tuple[str, ...] = ()) -> Intent:
        chosen = codes[:MAX_COMPARE] if kind == "compare" else codes
        return Intent(kind, chosen, period, None, text, matches, unknown, faq_ids)

    if codes:
        if len(codes) >= 2 or _COMPARE.search(norm):
            return intent("compare")
        if _DIAGNOSE.search(norm):
            return intent("diagnose")
        return intent(_field(norm) or ("returns" if period else "profile"))

    if "诊断" in norm or (unknown and _DIAGNOSE.search(norm)):
        return intent("diagnose")
    if _HELP.search(norm):
        return intent("help")
    if _FUNDLESS_FIELD.search(norm) and not _FAQ_HINT.search(norm):
        return intent(_field(norm) or "nav")
    if faq is not None:
        hits = faq.search(norm)
        if hits:
            return intent("faq", tuple(e.id for e, _ in hits))
    elif _FAQ_HINT.search(norm):
        return intent("faq")
    if unknown:
        return intent(_field(norm) or "profile")
    return intent("unknown")


def _field(norm: str) -> str | None:
    return next((kind for kind, pattern in _FIELDS if pattern.search(norm)), None)
