"""``wecombot import customers|holdings|funds|navs PATH``: load the bank's CSV exports.

All or nothing: every row is validated first and every problem is reported as ``line N: reason``; a file
with any error imports nothing. The writes then run in one transaction. Rows are upserted by their
natural key and only changed values are written, so importing the same file again changes nothing.

Semantics per kind (documented in the README):
- customers: upsert by ``external_userid``; an unknown ``rm_userid`` creates a staff stub (role rm) for
  WeCom sync to complete; ``opt_out`` can only switch an opt-out on (a customer's own opt-out is never
  cleared by bank data); ``tags`` (``;``-separated corp tag names) replace the customer's tags.
- holdings: a snapshot per customer: the customers listed get exactly the positions in the file.
- funds: upsert by ``code``.  navs: upsert by ``(code, date)``; the fund must exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.base import utcnow
from bot.db.csv_file import CsvImportError, RowProblem, read_rows
from bot.db.csv_rows import KINDS
from bot.db.models import CorpTag, Customer, CustomerTag, Fund, FundNav, Holding, Staff

__all__ = ["CsvImportError", "ImportReport", "RowProblem", "import_csv"]

CHUNK = 500
Rows = list[dict[str, Any]]


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{self.kind}: {self.rows} rows, {self.inserted} inserted, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )
        if self.deleted:
            text += f", {self.deleted} removed"
        return "; ".join([text, *self.notes])

    def count(self, changed: bool) -> None:
        if changed:
            self.updated += 1
        else:
            self.unchanged += 1


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _values(row: dict[str, Any], *drop: str) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != "_line" and key not in drop}


def _apply(obj: Any, values: dict[str, Any]) -> bool:
    """Set only the attributes that differ; True when something changed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


async def _load(session: AsyncSession, model: Any, column: Any, keys: Iterable[Any]) -> dict[Any, Any]:
    found: dict[Any, Any] = {}
    for chunk in _chunks(sorted(set(keys))):
        for obj in (await session.execute(select(model).where(column.in_(chunk)))).scalars():
            found[getattr(obj, column.key)] = obj
    return found


async def _missing(
    session: AsyncSession, column: Any, rows: Rows, field_name: str, label: str
) -> list[RowProblem]:
    found = await _load(session, column.class_, column, (row[field_name] for row in rows))
    return [
        RowProblem(row["_line"], f"unknown {label} {row[field_name]}")
        for row in rows
        if row[field_name] not in found
    ]


async def _import_funds(session: AsyncSession, rows: Rows, report: ImportReport) -> list[RowProblem]:
    existing = await _load(session, Fund, Fund.code, (row["code"] for row in rows))
    for row in rows:
        fund = existing.get(row["code"])
        if fund is None:
            session.add(Fund(**_values(row)))
            report.inserted += 1
        else:
            report.count(_apply(fund, _values(row)))
    return []


async def _import_navs(session: AsyncSession, rows: Rows, report: ImportReport) -> list[RowProblem]:
    """NAV files are large (years of days per fund): compare as tuples and write with executemany."""
    problems = await _missing(session, Fund.code, rows, "fund_code", "fund")
    if problems:
        return problems
    existing: dict[tuple[str, Any], tuple[Any, Any]] = {}
    for chunk in _chunks(sorted({row["fund_code"] for row in rows})):
        query = select(FundNav.fund_code, FundNav.date, FundNav.nav, FundNav.acc_nav).where(
            FundNav.fund_code.in_(chunk)
        )
        for code, day, nav, acc_nav in await session.execute(query):
            existing[(code, day)] = (nav, acc_nav)
    inserts: Rows = []
    updates: Rows = []
    for row in rows:
        values = _values(row)
        stored = existing.get((row["fund_code"], row["date"]))
        if stored is None:
            inserts.append(values)
        elif stored != (row["nav"], row["acc_nav"]):
            updates.append(values)
        else:
            report.unchanged += 1
    for chunk in _chunks(inserts, 5000):
        await session.execute(insert(FundNav.__table__), list(chunk))
    for chunk in _chunks(updates, 5000):
        await session.execute(update(FundNav), list(chunk))
    report.inserted += len(inserts)
    report.updated += len(updates)
    return []


async def _resolve_tags(session: AsyncSession, rows: Rows) -> tuple[dict[str, str], list[RowProblem]]:
    tags = (await session.execute(select(CorpTag).where(CorpTag.deleted.is_(False)))).scalars().all()
    by_name: dict[str, list[str]] = {}
    for tag in tags:
        by_name.setdefault(tag.name, []).append(tag.tag_id)
    problems = []
    for row in rows:
        for name in row["tags"]:
            if name not in by_name:
                problems.append(
                    RowProblem(row["_line"], f"unknown corp tag {name!r} (run `wecombot sync` first)")
                )
            elif len(by_name[name]) > 1:
                problems.append(RowProblem(row["_line"], f"corp tag {name!r} is in several tag groups"))
    return {name: ids[0] for name, ids in by_name.items()}, problems


async def _import_customers(session: AsyncSession, rows: Rows, report: ImportReport) -> list[RowProblem]:
    tag_ids, problems = await _resolve_tags(session, rows)
    if problems:
        return problems
    rm_ids = {row["rm_userid"] for row in rows if row["rm_userid"]}
    known = await _load(session, Staff, Staff.userid, rm_ids)
    stubs = sorted(rm_ids - set(known))
    session.add_all(Staff(userid=userid, role="rm") for userid in stubs)
    if stubs:
        report.notes.append(
            f"{len(stubs)} unknown relationship manager(s) added as staff stubs: {', '.join(stubs)}"
        )
    ids = [row["external_userid"] for row in rows]
    customers = await _load(session, Customer, Customer.external_userid, ids)
    changed: dict[str, bool] = {}
    for row in rows:
        customer = customers.get(row["external_userid"])
        values = _values(row, "tags", "opt_out")
        if customer is None:
            opted = row["opt_out"]
            session.add(Customer(**values, opt_out=opted, opt_out_at=utcnow() if opted else None))
            report.inserted += 1
            continue
        changed[customer.external_userid] = _apply(customer, values)
        if row["opt_out"] and not customer.opt_out:  # bank data may add an opt-out, never clear one
            customer.opt_out, customer.opt_out_at = True, utcnow()
            changed[customer.external_userid] = True
    await session.flush()
    current: dict[str, set[str]] = {}
    for chunk in _chunks(ids):
        query = select(CustomerTag).where(CustomerTag.external_userid.in_(chunk))
        for link in (await session.execute(query)).scalars():
            current.setdefault(link.external_userid, set()).add(link.tag_id)
    for row in rows:
        userid = row["external_userid"]
        wanted = {tag_ids[name] for name in row["tags"]}
        have = current.get(userid, set())
        if have - wanted:
            await session.execute(
                delete(CustomerTag).where(
                    CustomerTag.external_userid == userid, CustomerTag.tag_id.in_(have - wanted)
                )
            )
        session.add_all(CustomerTag(external_userid=userid, tag_id=tag_id) for tag_id in wanted - have)
        if userid in changed:
            report.count(changed[userid] or wanted != have)
    return []


async def _import_holdings(session: AsyncSession, rows: Rows, report: ImportReport) -> list[RowProblem]:
    problems = await _missing(session, Customer.external_userid, rows, "external_userid", "customer")
    problems += await _missing(session, Fund.code, rows, "fund_code", "fund")
    if problems:
        return sorted(problems, key=lambda problem: problem.line)
    existing: dict[tuple[str, str], Holding] = {}
    for chunk in _chunks(sorted({row["external_userid"] for row in rows})):
        query = select(Holding).where(Holding.external_userid.in_(chunk))
        for holding in (await session.execute(query)).scalars():
            existing[(holding.external_userid, holding.fund_code)] = holding
    for row in rows:
        holding = existing.pop((row["external_userid"], row["fund_code"]), None)
        if holding is None:
            session.add(Holding(**_values(row)))
            report.inserted += 1
        else:
            report.count(_apply(holding, _values(row)))
    for holding in existing.values():  # positions the snapshot no longer lists
        await session.delete(holding)
        report.deleted += 1
    return []


WRITERS = {
    "funds": _import_funds,
    "navs": _import_navs,
    "customers": _import_customers,
    "holdings": _import_holdings,
}


async def import_rows(
    sessionmaker: async_sessionmaker[AsyncSession], kind: str, path: Path, rows: Rows
) -> ImportReport:
    """Write validated rows in one transaction; problems found against the database roll it back."""
    report = ImportReport(kind=kind, rows=len(rows))
    async with sessionmaker() as session:
        async with session.begin():
            problems = await WRITERS[kind](session, rows, report)
            if problems:
                await session.rollback()
        if problems:
            raise CsvImportError(path, problems)
    return report


async def import_csv(
    sessionmaker: async_sessionmaker[AsyncSession], kind: str, path: str | Path
) -> ImportReport:
    """Validate and import one CSV file; raise CsvImportError (nothing imported) on any bad row."""
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}: use one of {', '.join(KINDS)}")
    path = Path(path)
    rows = read_rows(KINDS[kind], path)
    return await import_rows(sessionmaker, kind, path, rows)
