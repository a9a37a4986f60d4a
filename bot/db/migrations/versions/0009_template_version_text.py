"""Template versions as text: the outbox and the audit log keep the renderer's version hash itself.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 09:45:00

Until now both columns were integers holding the first 7 hex digits of the hash as a number, which a
reader of the audit log could not match against ``Renderer.version`` without converting it back.
Existing integer values are converted to that same hex prefix.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("outbox", "audit_log")


def upgrade() -> None:
    bind = op.get_bind()
    for table in TABLES:
        if bind.dialect.name == "postgresql":
            op.execute(
                f"ALTER TABLE {table} ALTER COLUMN template_version TYPE VARCHAR(32) "
                "USING lpad(to_hex(template_version), 7, '0')"
            )
        else:  # SQLite keeps the integer values; rewrite them as hex in the new text column
            with op.batch_alter_table(table) as batch:
                batch.alter_column(
                    "template_version",
                    existing_type=sa.Integer(),
                    type_=sa.String(32),
                    existing_nullable=True,
                )
            op.execute(
                f"UPDATE {table} SET template_version = printf('%07x', CAST(template_version AS INTEGER)) "
                "WHERE template_version IS NOT NULL"
            )


def downgrade() -> None:
    bind = op.get_bind()
    for table in TABLES:
        if bind.dialect.name == "postgresql":
            op.execute(
                f"ALTER TABLE {table} ALTER COLUMN template_version TYPE INTEGER "
                "USING ('x' || lpad(left(template_version, 7), 8, '0'))::bit(32)::int"
            )
        else:
            op.execute(
                f"UPDATE {table} SET template_version = NULL WHERE template_version IS NOT NULL"
            )  # SQLite has no hex parsing; the numeric form is not worth recovering on a downgrade
            with op.batch_alter_table(table) as batch:
                batch.alter_column(
                    "template_version",
                    existing_type=sa.String(32),
                    type_=sa.Integer(),
                    existing_nullable=True,
                )
