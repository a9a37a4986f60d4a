"""Template version history: every ``content_templates/`` file recorded in the database at start-up.

Templates are files reviewed in git and shipped with a deploy, so the database is where their history
survives: at start-up :func:`sync_templates` stores each file as a ``content_templates`` row (key = the
Renderer's template name, e.g. ``slots/morning_report/hnw.j2``, the same value the audit log keeps as
``template_key``) and adds a ``template_versions`` row (status ``approved``, author ``repository``)
whenever the file's text differs from its latest stored version. A file that disappears is marked
inactive, and active again if it comes back. Running it twice, or on two instances at once, adds nothing.
A changed or removed file is also a change-log entry by ``deploy:repository``.

The version the audit log records is the Renderer's hash of the file (:func:`content_hash`), so a stored
body can be matched to the messages that went out with it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import keys
from bot.access import changes
from bot.content import content_hash
from bot.db.models import ContentTemplate, TemplateVersion

log = logging.getLogger("wecombot.content")
AUTHOR = "repository"
# Stems that are segment styles of one template kind (``{kind}/{segment}.j2``, see bot.content).
VARIANTS = ("default", "long_tail", "affluent", "hnw", "staff")
SEGMENT_STYLES = frozenset({"long_tail", "affluent", "hnw"})


@dataclass(frozen=True)
class DeployActor:
    """How the change log names a deploy that changed a template (no person made it here)."""

    actor: str = "deploy:repository"
    role: str = "system"


DEPLOY = DeployActor()


@dataclass(frozen=True)
class TemplateFile:
    """One file under the templates folder, named the way the Renderer and the audit log name it."""

    path: str  # "slots/morning_report/hnw.j2": Renderer template name, AuditEntry.template_key
    name: str  # "slots/morning_report": the kind passed to Renderer.render
    variant: str | None  # "hnw", or None for a template of one file ("help/staff.j2")
    area: str  # the top folder ("slots"), "general" for files at the top

    @property
    def partial(self) -> bool:
        """``_macros.j2`` and the like are included by other templates, never rendered alone."""
        return Path(self.path).name.startswith("_")


def scan(directory: Path) -> list[TemplateFile]:
    """Every ``*.j2`` under ``directory``, sorted by path.

    A file is a variant of its folder's kind when its stem is a segment style and the folder holds a
    ``default.j2`` or a segment style (``slots/morning_report/hnw.j2``); ``help/staff.j2`` beside
    ``help/customer.j2`` is a kind of its own, as the Renderer resolves ``help/staff``.
    """
    paths = sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*.j2") if p.is_file())
    stems: dict[str, set[str]] = {}
    for path in paths:
        folder, _, file = path.rpartition("/")
        stems.setdefault(folder, set()).add(file[:-3])
    files = []
    for path in paths:
        folder, _, file = path.rpartition("/")
        stem = file[:-3]
        siblings = stems[folder]
        styled = "default" in siblings or bool(siblings & SEGMENT_STYLES)
        is_variant = bool(folder) and stem in VARIANTS and styled
        area = path.split("/", 1)[0] if "/" in path else "general"
        files.append(
            TemplateFile(
                path=path,
                name=folder if is_variant else path[:-3],
                variant=stem if is_variant else None,
                area=area,
            )
        )
    return files


@dataclass
class SyncReport:
    files: int = 0
    new_templates: int = 0
    new_versions: int = 0
    retired: int = 0


async def _latest_bodies(session: AsyncSession) -> dict[int, tuple[int, str]]:
    """template id -> (highest version number, its body)."""
    newest = (
        select(TemplateVersion.template_id, func.max(TemplateVersion.version).label("version"))
        .group_by(TemplateVersion.template_id)
        .subquery()
    )
    statement = select(TemplateVersion.template_id, TemplateVersion.version, TemplateVersion.body).join(
        newest,
        (newest.c.template_id == TemplateVersion.template_id) & (newest.c.version == TemplateVersion.version),
    )
    return {tid: (version, body) for tid, version, body in (await session.execute(statement)).all()}


async def _sync_once(sessions: async_sessionmaker[AsyncSession], directory: Path) -> SyncReport:
    report = SyncReport()
    files = scan(directory)
    report.files = len(files)
    async with sessions() as session, session.begin():
        rows = {row.key: row for row in (await session.execute(select(ContentTemplate))).scalars()}
        latest = await _latest_bodies(session)
        for file in files:
            text = (directory / file.path).read_bytes().decode("utf-8")
            row = rows.get(file.path)
            if row is None:
                row = ContentTemplate(
                    key=file.path,
                    kind=file.area[:32],
                    channel="",
                    segment=file.variant,
                    title=file.name[:128],
                    current_version=None,
                    active=True,
                )
                session.add(row)
                await session.flush()
                report.new_templates += 1
            elif not row.active:
                row.active = True
            number, body = latest.get(row.id, (0, None))
            if body != text:
                session.add(
                    TemplateVersion(
                        template_id=row.id,
                        version=number + 1,
                        body=text,
                        status="approved",
                        author_userid=AUTHOR,
                        review_note="reviewed in the repository",
                    )
                )
                row.current_version = number + 1
                report.new_versions += 1
                if number:  # a file's first version is where its history begins, not a change
                    detail = {"version": number + 1, "hash": content_hash(text.encode("utf-8"))}
                    changes.record(session, DEPLOY, "template.version", "template", file.path, detail)
        present = {file.path for file in files}
        for key, row in rows.items():
            if key not in present and row.active:
                row.active = False
                report.retired += 1
                changes.record(session, DEPLOY, "template.retire", "template", key)
    return report


async def sync_templates(sessions: async_sessionmaker[AsyncSession], directory: Path) -> SyncReport:
    """Record the folder's templates; another instance syncing at the same moment makes us retry once."""
    try:
        return await _sync_once(sessions, directory)
    except IntegrityError:
        log.info("template sync raced another instance; syncing again")
        return await _sync_once(sessions, directory)


async def template_history_context(app: web.Application) -> AsyncIterator[None]:
    """Start-up context: sync the Renderer's folder into the database (nothing without a database).

    A failure is logged and start-up goes on: a missing history entry must not stop the messages.
    """
    sessions = app[keys.DB]
    if sessions is not None:
        directory = app[keys.RENDER].directory
        try:
            report = await sync_templates(sessions, directory)
        except Exception:
            log.exception("template history sync failed")
        else:
            log.info(
                "templates: %d files, %d new, %d new versions, %d retired",
                report.files,
                report.new_templates,
                report.new_versions,
                report.retired,
            )
    yield
