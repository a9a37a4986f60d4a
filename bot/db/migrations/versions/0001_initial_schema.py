"""Initial schema: people, products, content, delivery, kf, journeys, audit log, sync checkpoints.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-30 08:02:52.649221
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The audit log is append-only; on PostgreSQL the database itself refuses changes to it.
AUDIT_TRIGGER_FUNCTION = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"""
AUDIT_TRIGGER = """
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
"""


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=True),
        sa.Column("template_key", sa.String(length=128), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("rendered_text", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=191), nullable=True),
        sa.Column("wecom_msgid", sa.String(length=64), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_sent_at", ["sent_at"], unique=False)
        batch_op.create_index("ix_audit_log_target_sent_at", ["target", "sent_at"], unique=False)

    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("template_key", sa.String(length=128), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'pending_review', 'approved', 'running', 'done', 'cancelled')",
            name=op.f("ck_campaigns_status_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("name", name=op.f("uq_campaigns_name")),
    )
    op.create_table(
        "content_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("segment", sa.String(length=16), nullable=True),
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_templates")),
        sa.UniqueConstraint("key", name=op.f("uq_content_templates_key")),
    )
    op.create_table(
        "corp_tag_groups",
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_corp_tag_groups")),
    )
    op.create_table(
        "customer_groups",
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("owner_userid", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("notice", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("member_version", sa.String(length=64), nullable=True),
        sa.Column("wecom_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_customer_groups")),
    )
    with op.batch_alter_table("customer_groups", schema=None) as batch_op:
        batch_op.create_index("ix_customer_groups_owner_userid", ["owner_userid"], unique=False)

    op.create_table(
        "funds",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("short_name", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("risk_level", sa.String(length=2), nullable=False),
        sa.Column("manager", sa.String(length=64), nullable=False),
        sa.Column("manager_since", sa.Date(), nullable=True),
        sa.Column("company", sa.String(length=128), nullable=False),
        sa.Column("inception_date", sa.Date(), nullable=True),
        sa.Column("mgmt_fee", sa.Numeric(precision=8, scale=6), nullable=False),
        sa.Column("custody_fee", sa.Numeric(precision=8, scale=6), nullable=False),
        sa.Column("size_cny", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "risk_level IN ('R1', 'R2', 'R3', 'R4', 'R5')", name=op.f("ck_funds_risk_level_valid")
        ),
        sa.CheckConstraint(
            "type IN ('money_market', 'bond', 'mixed', 'equity', 'index', 'qdii')",
            name=op.f("ck_funds_type_valid"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_funds")),
    )
    with op.batch_alter_table("funds", schema=None) as batch_op:
        batch_op.create_index("ix_funds_short_name", ["short_name"], unique=False)

    op.create_table(
        "kf_cursors",
        sa.Column("open_kfid", sa.String(length=64), nullable=False),
        sa.Column("cursor", sa.String(length=256), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("open_kfid", name=op.f("pk_kf_cursors")),
    )
    op.create_table(
        "kf_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("open_kfid", sa.String(length=64), nullable=False),
        sa.Column("external_userid", sa.String(length=64), nullable=False),
        sa.Column("service_state", sa.Integer(), nullable=False),
        sa.Column("servicer_userid", sa.String(length=64), nullable=True),
        sa.Column("last_customer_msg_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replies_since_customer_msg", sa.Integer(), nullable=False),
        sa.Column("last_msgid", sa.String(length=64), nullable=True),
        sa.Column(
            "opened_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kf_sessions")),
        sa.UniqueConstraint(
            "open_kfid", "external_userid", name=op.f("uq_kf_sessions_open_kfid_external_userid")
        ),
    )
    op.create_table(
        "products",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("risk_level", sa.String(length=2), nullable=False),
        sa.Column("issuer", sa.String(length=128), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("maturity_date", sa.Date(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('wealth', 'private_fund', 'insurance', 'structured_deposit')",
            name=op.f("ck_products_kind_valid"),
        ),
        sa.CheckConstraint(
            "risk_level IN ('R1', 'R2', 'R3', 'R4', 'R5')", name=op.f("ck_products_risk_level_valid")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_products")),
    )
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("cron", sa.String(length=64), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("template_key", sa.String(length=128), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("trading_days_only", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
        sa.UniqueConstraint("name", name=op.f("uq_schedules_name")),
    )
    op.create_table(
        "staff",
        sa.Column("userid", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("department", sa.String(length=128), nullable=False),
        sa.Column("mobile", sa.String(length=32), nullable=True),
        sa.Column("can_contact_customers", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint("role IN ('rm', 'ops', 'compliance', 'other')", name=op.f("ck_staff_role_valid")),
        sa.PrimaryKeyConstraint("userid", name=op.f("pk_staff")),
    )
    op.create_table(
        "sync_checkpoints",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("position", sa.JSON(), nullable=False),
        sa.Column(
            "run_started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_checkpoints")),
    )
    op.create_table(
        "corp_tags",
        sa.Column("tag_id", sa.String(length=64), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["corp_tag_groups.group_id"],
            name=op.f("fk_corp_tags_group_id_corp_tag_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tag_id", name=op.f("pk_corp_tags")),
    )
    with op.batch_alter_table("corp_tags", schema=None) as batch_op:
        batch_op.create_index("ix_corp_tags_name", ["name"], unique=False)

    op.create_table(
        "customers",
        sa.Column("external_userid", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("gender", sa.Integer(), nullable=False),
        sa.Column("contact_type", sa.Integer(), nullable=False),
        sa.Column("unionid", sa.String(length=64), nullable=True),
        sa.Column("corp_name", sa.String(length=128), nullable=True),
        sa.Column("rm_userid", sa.String(length=64), nullable=True),
        sa.Column("tier", sa.String(length=16), nullable=True),
        sa.Column("aum_band", sa.String(length=32), nullable=True),
        sa.Column("risk_level", sa.String(length=2), nullable=True),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.Column("opt_out", sa.Boolean(), nullable=False),
        sa.Column("opt_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "risk_level IN ('C1', 'C2', 'C3', 'C4', 'C5')", name=op.f("ck_customers_risk_level_valid")
        ),
        sa.CheckConstraint("tier IN ('long_tail', 'affluent', 'hnw')", name=op.f("ck_customers_tier_valid")),
        sa.ForeignKeyConstraint(
            ["rm_userid"], ["staff.userid"], name=op.f("fk_customers_rm_userid_staff"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("external_userid", name=op.f("pk_customers")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index("ix_customers_rm_userid", ["rm_userid"], unique=False)

    op.create_table(
        "fires",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("intended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("instance", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'done', 'failed', 'skipped')", name=op.f("ck_fires_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_fires_campaign_id_campaigns"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name=op.f("fk_fires_schedule_id_schedules"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fires")),
        sa.UniqueConstraint("name", "intended_at", name=op.f("uq_fires_name_intended_at")),
    )
    with op.batch_alter_table("fires", schema=None) as batch_op:
        batch_op.create_index("ix_fires_campaign_id", ["campaign_id"], unique=False)

    op.create_table(
        "fund_navs",
        sa.Column("fund_code", sa.String(length=6), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("nav", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("acc_nav", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_code"], ["funds.code"], name=op.f("fk_fund_navs_fund_code_funds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("fund_code", "date", name=op.f("pk_fund_navs")),
    )
    op.create_table(
        "group_members",
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("member_type", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("join_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("join_scene", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["customer_groups.chat_id"],
            name=op.f("fk_group_members_chat_id_customer_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "member_id", name=op.f("pk_group_members")),
    )
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.create_index("ix_group_members_member_id", ["member_id"], unique=False)

    op.create_table(
        "template_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("author_userid", sa.String(length=64), nullable=False),
        sa.Column("reviewer_userid", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'pending_review', 'approved', 'rejected', 'retired')",
            name=op.f("ck_template_versions_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["content_templates.id"],
            name=op.f("fk_template_versions_template_id_content_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_versions")),
        sa.UniqueConstraint("template_id", "version", name=op.f("uq_template_versions_template_id_version")),
    )
    op.create_table(
        "customer_managers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_userid", sa.String(length=64), nullable=False),
        sa.Column("userid", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("add_way", sa.Integer(), nullable=True),
        sa.Column("remark", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(length=16), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "removed_by IN ('member', 'customer', 'transfer')",
            name=op.f("ck_customer_managers_removed_by_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["external_userid"],
            ["customers.external_userid"],
            name=op.f("fk_customer_managers_external_userid_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["userid"], ["staff.userid"], name=op.f("fk_customer_managers_userid_staff"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_managers")),
        sa.UniqueConstraint(
            "external_userid", "userid", name=op.f("uq_customer_managers_external_userid_userid")
        ),
    )
    with op.batch_alter_table("customer_managers", schema=None) as batch_op:
        batch_op.create_index("ix_customer_managers_userid", ["userid"], unique=False)

    op.create_table(
        "customer_tags",
        sa.Column("external_userid", sa.String(length=64), nullable=False),
        sa.Column("tag_id", sa.String(length=64), nullable=False),
        sa.Column("userid", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["external_userid"],
            ["customers.external_userid"],
            name=op.f("fk_customer_tags_external_userid_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"],
            ["corp_tags.tag_id"],
            name=op.f("fk_customer_tags_tag_id_corp_tags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("external_userid", "tag_id", name=op.f("pk_customer_tags")),
    )
    with op.batch_alter_table("customer_tags", schema=None) as batch_op:
        batch_op.create_index("ix_customer_tags_tag_id", ["tag_id"], unique=False)

    op.create_table(
        "holdings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_userid", sa.String(length=64), nullable=False),
        sa.Column("fund_code", sa.String(length=6), nullable=False),
        sa.Column("shares", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("cost", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("purchase_date", sa.Date(), nullable=False),
        sa.Column("maturity_date", sa.Date(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["external_userid"],
            ["customers.external_userid"],
            name=op.f("fk_holdings_external_userid_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["fund_code"], ["funds.code"], name=op.f("fk_holdings_fund_code_funds"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holdings")),
        sa.UniqueConstraint(
            "external_userid", "fund_code", name=op.f("uq_holdings_external_userid_fund_code")
        ),
    )
    with op.batch_alter_table("holdings", schema=None) as batch_op:
        batch_op.create_index("ix_holdings_fund_code", ["fund_code"], unique=False)

    op.create_table(
        "journey_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey", sa.String(length=32), nullable=False),
        sa.Column("external_userid", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('active', 'done', 'cancelled')", name=op.f("ck_journey_states_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["external_userid"],
            ["customers.external_userid"],
            name=op.f("fk_journey_states_external_userid_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_states")),
        sa.UniqueConstraint(
            "journey",
            "external_userid",
            "subject",
            name=op.f("uq_journey_states_journey_external_userid_subject"),
        ),
    )
    with op.batch_alter_table("journey_states", schema=None) as batch_op:
        batch_op.create_index("ix_journey_states_status_next_at", ["status", "next_at"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=191), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("template_key", sa.String(length=128), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("rendered_text", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("fire_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "channel IN ('app_message', 'mass_task', 'welcome', 'group_welcome', "
            "'kf_reply', 'group_robot', 'appchat')",
            name=op.f("ck_outbox_channel_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'claimed', 'sent', 'failed', 'cancelled', 'blocked')",
            name=op.f("ck_outbox_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["fire_id"], ["fires.id"], name=op.f("fk_outbox_fire_id_fires"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_fire_id", ["fire_id"], unique=False)
        batch_op.create_index("ix_outbox_status_not_before", ["status", "not_before"], unique=False)

    op.create_table(
        "transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=True),
        sa.Column("external_userid", sa.String(length=64), nullable=False),
        sa.Column("fund_code", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("trade_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("shares", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("nav", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('buy', 'sell', 'dividend', 'switch_in', 'switch_out')",
            name=op.f("ck_transactions_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["external_userid"],
            ["customers.external_userid"],
            name=op.f("fk_transactions_external_userid_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["fund_code"], ["funds.code"], name=op.f("fk_transactions_fund_code_funds"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
        sa.UniqueConstraint("ref", name=op.f("uq_transactions_ref")),
    )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transactions_external_userid_trade_date", ["external_userid", "trade_date"], unique=False
        )

    op.create_table(
        "mass_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("msgid", sa.String(length=64), nullable=True),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("chat_type", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("target_count", sa.Integer(), nullable=False),
        sa.Column("sent_count", sa.Integer(), nullable=False),
        sa.Column("fail_list", sa.JSON(), nullable=False),
        sa.Column("remind_count", sa.Integer(), nullable=False),
        sa.Column("last_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint("chat_type IN ('single', 'group')", name=op.f("ck_mass_tasks_chat_type_valid")),
        sa.CheckConstraint(
            "status IN ('created', 'partly_sent', 'sent', 'cancelled', 'failed')",
            name=op.f("ck_mass_tasks_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name=op.f("fk_mass_tasks_outbox_id_outbox"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mass_tasks")),
        sa.UniqueConstraint("msgid", name=op.f("uq_mass_tasks_msgid")),
        sa.UniqueConstraint("outbox_id", name=op.f("uq_mass_tasks_outbox_id")),
    )
    with op.batch_alter_table("mass_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_mass_tasks_status", ["status"], unique=False)

    op.create_table(
        "mass_task_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mass_task_id", sa.Integer(), nullable=False),
        sa.Column("userid", sa.String(length=64), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("target_kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("send_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["mass_task_id"],
            ["mass_tasks.id"],
            name=op.f("fk_mass_task_receipts_mass_task_id_mass_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mass_task_receipts")),
        sa.UniqueConstraint(
            "mass_task_id", "target_id", name=op.f("uq_mass_task_receipts_mass_task_id_target_id")
        ),
    )
    op.create_table(
        "quota_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=8), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("mass_task_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "target_kind IN ('customer', 'group')", name=op.f("ck_quota_ledger_target_kind_valid")
        ),
        sa.ForeignKeyConstraint(
            ["mass_task_id"],
            ["mass_tasks.id"],
            name=op.f("fk_quota_ledger_mass_task_id_mass_tasks"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name=op.f("fk_quota_ledger_outbox_id_outbox"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quota_ledger")),
        sa.UniqueConstraint(
            "target_kind",
            "target_id",
            "outbox_id",
            name=op.f("uq_quota_ledger_target_kind_target_id_outbox_id"),
        ),
    )
    with op.batch_alter_table("quota_ledger", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quota_ledger_target_kind_target_id_month", ["target_kind", "target_id", "month"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(AUDIT_TRIGGER_FUNCTION)
        op.execute(AUDIT_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    with op.batch_alter_table("quota_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_quota_ledger_target_kind_target_id_month")

    op.drop_table("quota_ledger")
    op.drop_table("mass_task_receipts")
    with op.batch_alter_table("mass_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_mass_tasks_status")

    op.drop_table("mass_tasks")
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_transactions_external_userid_trade_date")

    op.drop_table("transactions")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_not_before")
        batch_op.drop_index("ix_outbox_fire_id")

    op.drop_table("outbox")
    with op.batch_alter_table("journey_states", schema=None) as batch_op:
        batch_op.drop_index("ix_journey_states_status_next_at")

    op.drop_table("journey_states")
    with op.batch_alter_table("holdings", schema=None) as batch_op:
        batch_op.drop_index("ix_holdings_fund_code")

    op.drop_table("holdings")
    with op.batch_alter_table("customer_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_tags_tag_id")

    op.drop_table("customer_tags")
    with op.batch_alter_table("customer_managers", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_managers_userid")

    op.drop_table("customer_managers")
    op.drop_table("template_versions")
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_index("ix_group_members_member_id")

    op.drop_table("group_members")
    op.drop_table("fund_navs")
    with op.batch_alter_table("fires", schema=None) as batch_op:
        batch_op.drop_index("ix_fires_campaign_id")

    op.drop_table("fires")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_rm_userid")

    op.drop_table("customers")
    with op.batch_alter_table("corp_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_corp_tags_name")

    op.drop_table("corp_tags")
    op.drop_table("sync_checkpoints")
    op.drop_table("staff")
    op.drop_table("schedules")
    op.drop_table("products")
    op.drop_table("kf_sessions")
    op.drop_table("kf_cursors")
    with op.batch_alter_table("funds", schema=None) as batch_op:
        batch_op.drop_index("ix_funds_short_name")

    op.drop_table("funds")
    with op.batch_alter_table("customer_groups", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_groups_owner_userid")

    op.drop_table("customer_groups")
    op.drop_table("corp_tag_groups")
    op.drop_table("content_templates")
    op.drop_table("campaigns")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_target_sent_at")
        batch_op.drop_index("ix_audit_log_sent_at")

    op.drop_table("audit_log")
