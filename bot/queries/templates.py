"""Message templates as operations staff see them: each kind with its segment variants, the version
running now (the Renderer's hash of the file) and the version history recorded by
:mod:`bot.content_history`, with how many messages went out with each version (from the audit log).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content_history import VARIANTS, TemplateFile, content_hash, scan
from bot.db.models import AuditEntry, ContentTemplate, TemplateVersion
from bot.queries.paging import clamp, iso, paged

Sessions = async_sessionmaker[AsyncSession]


def _variant_order(file: TemplateFile) -> tuple[int, str]:
    return (VARIANTS.index(file.variant) if file.variant in VARIANTS else -1, file.path)


def catalogue(directory: Path) -> dict[str, list[TemplateFile]]:
    """Template name -> its files (variants in a fixed order: default, long_tail, affluent, hnw, staff)."""
    kinds: dict[str, list[TemplateFile]] = defaultdict(list)
    for file in scan(directory):
        kinds[file.name].append(file)
    return {name: sorted(files, key=_variant_order) for name, files in sorted(kinds.items())}


def _file_version(directory: Path, file: TemplateFile) -> str:
    return content_hash((directory / file.path).read_bytes())


def _combined(versions: list[tuple[str, str]]) -> str:
    """One version for a kind: its only file's hash, or a hash over every (file, hash) pair."""
    if len(versions) == 1:
        return versions[0][1]
    return content_hash("\n".join(f"{path}:{version}" for path, version in versions).encode())


async def _current_rows(session: AsyncSession, paths: list[str]) -> dict[str, tuple[int, datetime]]:
    """key -> (current version number, when that version was first seen)."""
    statement = (
        select(ContentTemplate.key, TemplateVersion.version, TemplateVersion.created_at)
        .join(
            TemplateVersion,
            (TemplateVersion.template_id == ContentTemplate.id)
            & (TemplateVersion.version == ContentTemplate.current_version),
        )
        .where(ContentTemplate.key.in_(paths))
    )
    return {key: (number, seen) for key, number, seen in (await session.execute(statement)).all()}


async def list_templates(
    db: Sessions | None,
    directory: Path,
    *,
    area: str | None = None,
    q: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """Template kinds by name, filtered by top folder (``area``) and a substring of the name."""
    limit, offset = clamp(limit, offset)
    kinds = catalogue(directory)
    names = [
        name
        for name, files in kinds.items()
        if (not area or files[0].area == area) and (not q or q.strip().lower() in name.lower())
    ]
    page = names[offset : offset + limit]
    files = [file for name in page for file in kinds[name]]
    current: dict[str, tuple[int, datetime]] = {}
    if db is not None and files:
        async with db() as session:
            current = await _current_rows(session, [f.path for f in files])
    items = []
    for name in page:
        variants = []
        for file in kinds[name]:
            number, seen = current.get(file.path, (None, None))
            variants.append(
                {
                    "variant": file.variant or "default",
                    "file": file.path,
                    "version": _file_version(directory, file),
                    "version_number": number,
                    "since": iso(seen),
                }
            )
        first = kinds[name][0]
        items.append(
            {
                "name": name,
                "area": first.area,
                "partial": first.partial,
                "variants": variants,
                "version": _combined([(v["file"], v["version"]) for v in variants]),
                "updated_at": max((v["since"] for v in variants if v["since"]), default=None),
            }
        )
    result = paged("templates", items, len(names), limit, offset)
    result["areas"] = sorted({files[0].area for files in kinds.values()})
    return result


async def _history(session: AsyncSession, paths: list[str]) -> dict[str, list[dict[str, Any]]]:
    statement = (
        select(ContentTemplate.key, TemplateVersion)
        .join(TemplateVersion, TemplateVersion.template_id == ContentTemplate.id)
        .where(ContentTemplate.key.in_(paths))
        .order_by(ContentTemplate.key, TemplateVersion.version.desc())
    )
    counts = select(AuditEntry.template_key, AuditEntry.template_version, func.count()).where(
        AuditEntry.template_key.in_(paths)
    )
    sent = {
        (key, version): int(n)
        for key, version, n in (
            await session.execute(counts.group_by(AuditEntry.template_key, AuditEntry.template_version))
        ).all()
    }
    history: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for key, row in (await session.execute(statement)).all():
        version = content_hash(row.body.encode("utf-8"))
        history[key].append(
            {
                "number": row.version,
                "version": version,
                "status": row.status,
                "author": row.author_userid,
                "first_seen": iso(row.created_at),
                "messages": sent.get((key, version), 0),
            }
        )
    return history


async def template_detail(db: Sessions | None, directory: Path, name: str) -> dict[str, Any] | None:
    """One kind: each variant's source and version history; None when there is no such template."""
    files = catalogue(directory).get(name)
    if files is None:
        return None
    history: dict[str, list[dict[str, Any]]] = {}
    if db is not None:
        async with db() as session:
            history = await _history(session, [f.path for f in files])
    variants = []
    for file in files:
        data = (directory / file.path).read_bytes()
        version = content_hash(data)
        versions = history.get(file.path, [])
        for entry in versions:
            entry["current"] = entry["version"] == version
        variants.append(
            {
                "variant": file.variant or "default",
                "file": file.path,
                "version": version,
                "source": data.decode("utf-8"),
                "history": versions,
            }
        )
    return {
        "name": name,
        "area": files[0].area,
        "partial": files[0].partial,
        "version": _combined([(v["file"], v["version"]) for v in variants]),
        "variants": variants,
    }
