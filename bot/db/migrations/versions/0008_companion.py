"""Companion messaging (issue 8): journey events applied once, reminders to managers, their preferences.

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-30 08:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, **kwargs: object) -> sa.Column:
    return sa.Column(name, bot.db.base.UTCDateTime(timezone=True), **kwargs)  # type: ignore[arg-type]


def _created(name: str) -> sa.Column:
    return _ts(name, server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "journey_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("external_userid", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        _created("received_at"),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_journey_events")),
    )
    op.create_table(
        "reminder_preferences",
        sa.Column("userid", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=True),
        sa.Column("last_digest_on", sa.String(length=10), nullable=True),
        _created("updated_at"),
        sa.PrimaryKeyConstraint("userid", name=op.f("pk_reminder_preferences")),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=191), nullable=False),
        sa.Column("manager", sa.String(length=64), nullable=False),
        sa.Column("external_userid", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _ts("due_at", nullable=False),
        _ts("sent_at", nullable=True),
        _ts("answered_at", nullable=True),
        sa.Column("remind_count", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=True),
        sa.Column("via_digest", sa.Boolean(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("journey_state_id", sa.Integer(), nullable=True),
        _created("created_at"),
        _created("updated_at"),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'done', 'dismissed', 'suppressed')",
            name=op.f("ck_reminders_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["external_userid"],
            ["customers.external_userid"],
            name=op.f("fk_reminders_external_userid_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["journey_state_id"],
            ["journey_states.id"],
            name=op.f("fk_reminders_journey_state_id_journey_states"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("key", name=op.f("uq_reminders_key")),
        sa.UniqueConstraint("task_id", name=op.f("uq_reminders_task_id")),
    )
    op.create_index("ix_reminders_manager", "reminders", ["manager"], unique=False)
    op.create_index("ix_reminders_status_due_at", "reminders", ["status", "due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_reminders_status_due_at", table_name="reminders")
    op.drop_index("ix_reminders_manager", table_name="reminders")
    op.drop_table("reminders")
    op.drop_table("reminder_preferences")
    op.drop_table("journey_events")
