"""Benchmark: diagnosis questions end to end through the pure fund Q&A core (one process, one core).

SYNTHETIC data: 36 made-up funds in four types with five years of weekday NAVs (random walks from a
fixed seed, a yearly dividend on some funds). Each question is parsed, its fund looked up, diagnosed
(1y and 3y windows) and ranked by 1y and 3y Sharpe within its type, computing every peer's metrics
for each question (no cache: the worst case the handler can hit). A baseline in the same run times
parsing alone. Wall-clock and CPU-time percentiles are both printed: on a shared machine the wall
figures include time the process waited for a core. Goal (issue 6): p99 under 50 ms for a diagnosis question.

The second part times the full handler path: the SYNTHETIC sample database (36 funds, NAVs since
2021, about 5.9 years of weekdays) in a temporary SQLite file, the real app (router, FundQuestion filter
with its freshness query, intent parsing, cached diagnosis and ranks, template rendering, compliance
gate) and a manager's text message dispatched exactly as ``wecombot chat`` does, without HTTP.

    .venv/bin/python bench/fund_qa.py [--questions 2000] [--seed 7] [--handler-questions 500]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handlers.faq import FaqIndex
from handlers.fund_intents import parse
from handlers.fund_lookup import FundIndex, FundRef
from handlers.fund_metrics import (
    DIAGNOSIS_PERIODS,
    NavPoint,
    Series,
    adjusted_series,
    diagnose,
    rank_within_type,
    verdict,
    window_metrics,
)

COMPANIES = ("华夏", "易方达", "招商", "广发", "富国", "汇添富", "嘉实", "南方", "博时")
THEMES = ("成长", "价值", "消费", "医疗", "科技", "新能源", "稳健", "红利", "蓝筹")
TYPES = {"混合型": "混合", "股票型": "股票", "债券型": "债券", "指数型": "指数"}
VOL = {"混合型": 0.014, "股票型": 0.017, "债券型": 0.002, "指数型": 0.015}


def synthetic_funds(rng: random.Random, count: int = 36) -> list[FundRef]:
    """Made-up funds with names in the usual style ("华夏成长混合"); codes from 900001 up."""
    funds, used = [], set()
    types = list(TYPES)
    while len(funds) < count:
        company, theme = rng.choice(COMPANIES), rng.choice(THEMES)
        fund_type = types[len(funds) % len(types)]
        name = f"{company}{theme}{TYPES[fund_type]}"
        if name in used:
            continue
        used.add(name)
        code = f"{900001 + len(funds):06d}"
        funds.append(FundRef(code, name, f"{company}{theme}", fund_type, company))
    return funds


def synthetic_navs(rng: random.Random, fund_type: str, end: date, years: int = 5) -> list[NavPoint]:
    """Weekday NAVs for ``years`` years: a random walk; some funds pay a dividend each January."""
    day, nav, acc = end - timedelta(days=365 * years), 1.0, 1.0
    pays = rng.random() < 0.4
    drift, vol = rng.uniform(-0.0002, 0.0006), VOL[fund_type]
    points = []
    while day <= end:
        if day.weekday() < 5:
            change = nav * rng.gauss(drift, vol)
            nav, acc = nav + change, acc + change
            if pays and day.month == 1 and day.day <= 7 and day.weekday() == 0 and nav > 1.05:
                nav -= 0.05  # a 0.05 dividend: NAV drops, acc_nav does not
            points.append(NavPoint(day, round(nav, 4), round(acc, 4)))
        day += timedelta(days=1)
    return points


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(label: str, fn: Callable[[str], object], questions: list[str]) -> list[float]:
    """Wall-clock latency per question (returned) and CPU time, which is immune to a busy machine."""
    for q in questions[:50]:  # warm caches (pinyin, jieba) outside the measurement
        fn(q)
    samples, cpu = [], []
    start = time.perf_counter()
    for q in questions:
        t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        fn(q)
        cpu.append((time.thread_time_ns() - c0) / 1e6)
        samples.append((time.perf_counter_ns() - t0) / 1e6)
    total = time.perf_counter() - start
    print(
        f"{label:<32} {len(questions) / total:7.0f} answers/s  wall p50 {statistics.median(samples):6.2f}"
        f" p99 {percentile(samples, 0.99):6.2f} ms  cpu p50 {statistics.median(cpu):6.2f}"
        f" p99 {percentile(cpu, 0.99):6.2f} ms"
    )
    return samples


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--questions", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--handler-questions", type=int, default=500, help="0 skips the handler-path part")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    as_of = date(2026, 11, 27)

    t0 = time.perf_counter()
    funds = synthetic_funds(rng)
    series: dict[str, Series] = {
        f.code: adjusted_series(synthetic_navs(rng, f.fund_type, as_of)) for f in funds
    }
    index = FundIndex(funds)
    faq = FaqIndex.from_file()
    faq.search("申购费")  # load jieba before timing
    by_type: dict[str, list[str]] = {}
    for f in funds:
        by_type.setdefault(f.fund_type, []).append(f.code)
    npoints = statistics.median(len(s) for s in series.values())
    print(f"SYNTHETIC data: {len(funds)} funds, {npoints:.0f} NAVs each (5 years), built in "
          f"{time.perf_counter() - t0:.2f} s")  # fmt: skip

    templates = ("诊断 {code}", "基金诊断 {name}", "{short}怎么样", "帮我诊断一下{short}", "{code}值得买吗")
    questions = []
    for _ in range(args.questions):
        f = rng.choice(funds)
        questions.append(rng.choice(templates).format(code=f.code, name=f.name, short=f.short_name))

    def answer(text: str) -> object:
        intent = parse(text, index, faq)
        code = intent.fund_codes[0]
        diag = diagnose(series[code], as_of)
        peers = by_type[index.funds[code].fund_type]
        out = []
        for period in DIAGNOSIS_PERIODS:
            metrics = {c: window_metrics(series[c], as_of, period) for c in peers}
            sharpes = {c: (m.sharpe if m else None) for c, m in metrics.items()}
            window = diag.windows[period]
            if window is not None:
                out.append(verdict(window, rank_within_type(sharpes, code)))
        return out

    base = timed("baseline: parse + lookup only", lambda q: parse(q, index, faq), questions)
    full = timed("diagnosis: parse+diagnose+rank", answer, questions)
    print(f"diagnosis / baseline p50 ratio: {statistics.median(full) / statistics.median(base):.1f}x; "
          f"p99 goal 50 ms: {'met' if percentile(full, 0.99) < 50 else 'NOT met'}")  # fmt: skip

    if args.handler_questions:
        asyncio.run(handler_path(args.handler_questions, args.seed))


async def handler_path(count: int, seed: int) -> None:
    """Diagnosis questions through the real router and templates, over the SYNTHETIC sample database."""
    from bot import keys
    from bot.commands.chat import build_event
    from bot.db.engine import create_engine, create_sessionmaker
    from bot.db.migrate import upgrade
    from bot.db.sample_data import load_sample_data
    from bot.directory import StaticDirectory
    from bot.embedded import embedded_stack
    from bot.sandbox.corp import build_corp

    corp = build_corp()
    rm = corp.rms()[0].userid
    with tempfile.TemporaryDirectory(prefix="wecombot-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        engine = create_engine(url)
        t0 = time.perf_counter()
        await upgrade(engine)
        await load_sample_data(create_sessionmaker(engine), corp, end=date(2026, 11, 27))
        await engine.dispose()
        print(f"\nhandler path: SYNTHETIC sample database built in {time.perf_counter() - t0:.1f} s")
        directory = StaticDirectory({m.userid: {"role": m.role, "name": m.name} for m in corp.members})
        overrides = {"migrate_database": True, "directory": directory}
        async with embedded_stack(database_url=url, overrides=overrides, serve_service=False) as stack:
            dispatcher = stack.service[keys.DISPATCHER]
            data = dispatcher.resources.services["fund_qa"].data
            funds = list(data.snapshot.funds.values())
            rng = random.Random(seed)
            templates = ("诊断 {code}", "基金诊断 {name}", "{code}值得买吗", "帮我诊断一下{code}")
            questions = [
                rng.choice(templates).format(code=f.code, name=f.name)
                for f in (rng.choice(funds) for _ in range(count))
            ]
            for q in questions[:30]:  # warm caches (diagnoses, peer ranks, templates)
                await dispatcher.dispatch(build_event(stack, q, rm, None))
            samples, cpu = [], []
            start = time.perf_counter()
            for q in questions:
                t1, c1 = time.perf_counter_ns(), time.thread_time_ns()
                result = await dispatcher.dispatch(build_event(stack, q, rm, None))
                cpu.append((time.thread_time_ns() - c1) / 1e6)
                samples.append((time.perf_counter_ns() - t1) / 1e6)
                if result.handler != "handlers.fund_qa.fund_question":
                    raise SystemExit(f"{q!r} went to {result.handler}, not the fund Q&A")
            total = time.perf_counter() - start
    p99 = percentile(samples, 0.99)
    print(
        f"{'handler path: diagnosis':<32} {len(questions) / total:7.0f} answers/s  wall p50 "
        f"{statistics.median(samples):6.2f} p99 {p99:6.2f} ms  cpu p50 {statistics.median(cpu):6.2f}"
        f" p99 {percentile(cpu, 0.99):6.2f} ms  (p99 goal 50 ms: {'met' if p99 < 50 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
