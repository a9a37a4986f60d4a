"""Campaign life cycle (campaign_specs) and market inputs (issue 7).

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-30 08:12:53
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIFECYCLE = (
    "lifecycle IN ('draft', 'submitted', 'approved', 'rejected', 'scheduled', 'running', 'done', 'cancelled')"
)


def _ts(name: str, **kwargs: object) -> sa.Column:
    return sa.Column(name, bot.db.base.UTCDateTime(timezone=True), **kwargs)  # type: ignore[arg-type]


def upgrade() -> None:
    op.create_table(
        "market_inputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("posted_by", sa.String(length=64), nullable=False),
        _ts("created_at", server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_inputs")),
        sa.UniqueConstraint("day", "slot", name=op.f("uq_market_inputs_day_slot")),
    )
    op.create_table(
        "campaign_specs",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("lifecycle", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("content_kind", sa.String(length=32), nullable=False),
        sa.Column("product_code", sa.String(length=32), nullable=True),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        _ts("expires_at", nullable=True),
        _ts("submitted_at", nullable=True),
        sa.Column("reviewer", sa.String(length=64), nullable=True),
        _ts("reviewed_at", nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=False),
        sa.Column("last_plan", sa.JSON(), nullable=False),
        _ts("updated_at", server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.CheckConstraint(_LIFECYCLE, name=op.f("ck_campaign_specs_lifecycle_valid")),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_specs_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_campaign_specs")),
    )


def downgrade() -> None:
    op.drop_table("campaign_specs")
    op.drop_table("market_inputs")
