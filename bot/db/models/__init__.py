"""Every model, imported here so ``Base.metadata`` is complete for Alembic and ``create_all``."""

from bot.db.base import Base
from bot.db.models.access import ApiKey, ChangeEntry, ConsoleAccount
from bot.db.models.audit import AuditEntry
from bot.db.models.campaigns import CampaignSpec, MarketInput
from bot.db.models.community import GroupDailyStat, GroupWelcomeTemplate, KeywordRule, WelcomeRecord
from bot.db.models.companion import JourneyEvent, Reminder, ReminderPreference
from bot.db.models.content import Campaign, ContentTemplate, Fire, Schedule, TemplateVersion
from bot.db.models.delivery import MassTask, MassTaskReceipt, Outbox, QuotaEntry
from bot.db.models.journeys import JourneyState
from bot.db.models.kf import KfCursor, KfSession
from bot.db.models.people import (
    CorpTag,
    CorpTagGroup,
    Customer,
    CustomerGroup,
    CustomerManager,
    CustomerTag,
    GroupMember,
    Staff,
)
from bot.db.models.products import Fund, FundNav, Holding, Product, Transaction
from bot.db.models.sync import SyncCheckpoint

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Base",
    "Campaign",
    "CampaignSpec",
    "ChangeEntry",
    "ConsoleAccount",
    "ContentTemplate",
    "CorpTag",
    "CorpTagGroup",
    "Customer",
    "CustomerGroup",
    "CustomerManager",
    "CustomerTag",
    "Fire",
    "Fund",
    "FundNav",
    "GroupDailyStat",
    "GroupMember",
    "GroupWelcomeTemplate",
    "Holding",
    "JourneyEvent",
    "JourneyState",
    "KeywordRule",
    "KfCursor",
    "KfSession",
    "MarketInput",
    "MassTask",
    "MassTaskReceipt",
    "Outbox",
    "Product",
    "QuotaEntry",
    "Reminder",
    "ReminderPreference",
    "Schedule",
    "Staff",
    "SyncCheckpoint",
    "TemplateVersion",
    "Transaction",
    "WelcomeRecord",
]
