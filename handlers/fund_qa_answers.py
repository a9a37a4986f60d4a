"""Intent -> rendered answer, for a manager in the app or a customer through kf (no I/O here).

The numbers come from :mod:`handlers.fund_metrics` through the :class:`FundData` snapshot; the words
come from ``content_templates/fund_qa/`` (one folder per intent, ``{audience}.j2`` falling back to
``default.j2``; audiences ``staff``, ``long_tail``, ``affluent``, ``hnw``). Rules applied here:

* every fund answer carries the configured risk disclosure (``[fund_qa].disclosure``);
* a customer asking about a fund above their risk tolerance (R-level > C-level, or not assessed) gets
  the suitability explanation instead of anything that reads as a recommendation (returns, profile,
  diagnosis, comparison); plain facts (NAV, risk level, manager, company, fees, type, size) are still
  given, with the suitability note under them;
* nothing predicts or promises returns: past figures only, with the "past performance" note.
The compliance gate runs in the handler, on the rendered text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.content import Renderer
from handlers.faq import FaqIndex
from handlers.fund_intents import Intent
from handlers.fund_metrics import DIAGNOSIS_PERIODS, PERIODS, returns_table, verdict
from handlers.fund_qa_data import FundData, FundInfo

# Intents whose answer could read as advice to buy: withheld from a customer the fund does not suit.
ADVICE_KINDS = frozenset({"returns", "profile", "diagnose", "compare"})
FACT_KINDS = frozenset({"nav", "risk", "manager", "company", "fees", "type", "size"})
FUND_KINDS = ADVICE_KINDS | FACT_KINDS
# Intents a customer is handed to a person for.
HANDOVER_KINDS = frozenset({"human", "own_account", "unknown"})


@dataclass(frozen=True, slots=True)
class Asker:
    """Who asks: ``audience`` picks the wording; ``risk_level`` is a customer's C-level (None = unknown)."""

    audience: str  # "staff" | "long_tail" | "affluent" | "hnw"
    is_customer: bool
    risk_level: str | None = None
    name: str | None = None

    @property
    def tolerance(self) -> int:
        """C-level as a number; 0 when the customer has no valid assessment."""
        level = self.risk_level or ""
        return int(level[1]) if len(level) == 2 and level[0] == "C" and level[1] in "12345" else 0


@dataclass(frozen=True, slots=True)
class Answer:
    """A rendered answer and what the gate and the audit log need to know about it."""

    text: str
    template: str
    version: str
    kind: str
    product_risk: str | None = None  # set when the answer speaks for a product (the gate checks suitability)
    fund_codes: tuple[str, ...] = ()
    markdown: bool = False


def _rlevel(level: str) -> int:
    return int(level[1]) if len(level) == 2 and level[1] in "12345" else 5


class Answerer:
    """Render answers from the current fund snapshot; build once per process."""

    def __init__(self, data: FundData, render: Renderer, faq: FaqIndex | None, disclosure: str) -> None:
        if not disclosure.strip():
            raise ValueError("[fund_qa].disclosure must not be empty: customer answers carry it")
        self.data = data
        self.render = render
        self.faq = faq
        self.disclosure = disclosure

    def _render(self, kind: str, asker: Asker, channel: str, **ctx: Any) -> tuple[str, str, str]:
        snap = self.data.snapshot
        rendered = self.render.render(
            f"fund_qa/{kind}",
            segment=asker.audience,
            channel=channel,
            customer=asker.is_customer,
            audience=asker.audience,
            asker_name=asker.name,
            disclosure=self.disclosure,
            as_of=snap.as_of,
            **ctx,
        )
        return rendered.text, rendered.template, rendered.version

    def answer(self, intent: Intent, asker: Asker, channel: str = "app_text") -> Answer:
        """The answer to one parsed question (fund kinds, faq); other kinds belong to the handler."""
        kind = intent.kind
        if kind == "faq":
            return self._faq(intent, asker, channel)
        if kind not in FUND_KINDS:
            raise ValueError(f"answer() handles fund and faq intents, not {kind!r}")
        snap = self.data.snapshot
        codes = tuple(c for c in intent.fund_codes if c in snap.funds)
        if not codes:
            name = "not_found" if intent.unknown_codes else "which_fund"
            text, tpl, ver = self._render(name, asker, channel, codes=intent.unknown_codes, asked=kind)
            return Answer(text, tpl, ver, name)
        funds = [snap.funds[c] for c in codes]
        top = max(funds, key=lambda f: _rlevel(f.risk_level))
        unsuitable = asker.is_customer and _rlevel(top.risk_level) > asker.tolerance
        note = _match_note(intent, codes[0])
        if unsuitable and kind in ADVICE_KINDS:
            facts = [self._facts(f) for f in funds]
            text, tpl, ver = self._render(
                "suitability",
                asker,
                channel,
                funds=facts,
                tolerance=asker.risk_level if asker.tolerance else None,
            )
            return Answer(text, tpl, ver, "suitability", None, codes)
        if kind == "compare":
            rows = [self._compare_row(f) for f in funds]
            text, tpl, ver = self._render("compare", asker, channel, rows=rows, note=note)
        elif kind == "diagnose":
            text, tpl, ver = self._render("diagnose", asker, channel, **self._diagnosis(funds[0]), note=note)
        else:
            ctx = self._facts(funds[0])
            if kind in ("returns", "profile"):
                ctx["returns"] = self._returns(funds[0].code)
                ctx["period"] = intent.period
            text, tpl, ver = self._render(kind, asker, channel, **ctx, note=note, unsuitable=unsuitable)
        product_risk = top.risk_level if asker.is_customer and kind in ADVICE_KINDS else None
        markdown = not asker.is_customer and kind in ("diagnose", "compare")
        return Answer(text, tpl, ver, kind, product_risk, codes, markdown)

    def _faq(self, intent: Intent, asker: Asker, channel: str) -> Answer:
        entries = [e for e in (self.faq.get(i) for i in intent.faq_ids) if e] if self.faq else []
        text, tpl, ver = self._render("faq", asker, channel, entries=entries[:2])
        return Answer(text, tpl, ver, "faq")

    def _facts(self, fund: FundInfo) -> dict[str, Any]:
        snap = self.data.snapshot
        nav = snap.navs.get(fund.code)
        tenure = None
        if fund.manager_since and snap.as_of:
            tenure = round((snap.as_of - fund.manager_since).days / 365.25, 1)
        return {
            "fund": fund,
            "nav": nav,
            "tenure_years": tenure,
            "size_yi": None if fund.size_cny is None else round(fund.size_cny / 1e8, 2),
        }

    def _returns(self, code: str) -> list[tuple[str, float | None]]:
        snap = self.data.snapshot
        series = snap.series.get(code)
        if series is None or snap.as_of is None:
            return []
        table = returns_table(series, snap.as_of)
        return [(p, table[p]) for p in PERIODS]

    def _diagnosis(self, fund: FundInfo) -> dict[str, Any]:
        diag = self.data.diagnosis(fund.code)
        windows = []
        for period in DIAGNOSIS_PERIODS:
            window = diag.windows.get(period) if diag else None
            if window is None:
                windows.append({"period": period, "m": None, "rank": None, "v": None})
                continue
            rank = self.data.sharpe_rank(fund.code, period)
            windows.append(
                {"period": period, "m": window, "rank": rank, "v": verdict(window, rank, self.data.risk_free)}
            )
        return {**self._facts(fund), "windows": windows, "risk_free": self.data.risk_free}

    def _compare_row(self, fund: FundInfo) -> dict[str, Any]:
        diag = self.data.diagnosis(fund.code)
        one = diag.windows.get("1y") if diag else None
        three = diag.windows.get("3y") if diag else None
        return {**self._facts(fund), "y1": one, "y3": three}


def _match_note(intent: Intent, code: str) -> dict[str, Any] | None:
    """How the first fund was found, when the asker should check it (a near miss or an ambiguous name)."""
    match = next((m for m in intent.matches if m.code == code), None)
    if match is None or match.how not in ("fuzzy", "ambiguous"):
        return None
    return {"how": match.how, "alternatives": match.alternatives}


def audience_of(tier: str | None) -> str:
    """A customer's tier -> template audience; unknown tiers get the plainest wording."""
    return tier if tier in ("long_tail", "affluent", "hnw") else "long_tail"
