"""Community operations: welcome records, group welcome templates, daily group stats, keyword rules.

Revision ID: 0005
Revises: 0007
Create Date: 2026-11-30 08:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "community_welcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("welcome_code", sa.String(length=128), nullable=False),
        sa.Column("userid", sa.String(length=64), nullable=False),
        sa.Column("external_userid", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("segment", sa.String(length=16), nullable=False),
        sa.Column("template", sa.String(length=128), nullable=False),
        sa.Column("template_version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("errcode", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'missed', 'skipped', 'blocked', 'failed')",
            name=op.f("ck_community_welcomes_status_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_welcomes")),
        sa.UniqueConstraint("welcome_code", name=op.f("uq_community_welcomes_welcome_code")),
    )
    op.create_index(
        "ix_community_welcomes_external_userid", "community_welcomes", ["external_userid"], unique=False
    )
    op.create_table(
        "community_group_welcome_templates",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("template_id", sa.String(length=128), nullable=False),
        sa.Column("template", sa.String(length=128), nullable=False),
        sa.Column("template_version", sa.String(length=32), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_community_group_welcome_templates")),
    )
    op.create_table(
        "community_group_daily_stats",
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("joins", sa.Integer(), nullable=False),
        sa.Column("leaves", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("chat_id", "day", name=op.f("pk_community_group_daily_stats")),
    )
    op.create_index(
        "ix_community_group_daily_stats_day", "community_group_daily_stats", ["day"], unique=False
    )
    op.create_table(
        "community_keyword_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("match", sa.String(length=16), nullable=False),
        sa.Column("pattern", sa.String(length=256), nullable=False),
        sa.Column("channels", sa.String(length=32), nullable=False),
        sa.Column("roles", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=128), nullable=False),
        sa.Column("reply_text", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "match IN ('exact', 'contains', 'regex')", name=op.f("ck_community_keyword_rules_match_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_keyword_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_community_keyword_rules_name")),
    )


def downgrade() -> None:
    op.drop_table("community_keyword_rules")
    op.drop_index("ix_community_group_daily_stats_day", table_name="community_group_daily_stats")
    op.drop_table("community_group_daily_stats")
    op.drop_table("community_group_welcome_templates")
    op.drop_index("ix_community_welcomes_external_userid", table_name="community_welcomes")
    op.drop_table("community_welcomes")
