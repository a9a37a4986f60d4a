"""Community operations: welcomes, groups, keyword replies, tags, opt-out (issue 5).

Two routers, included by ``handlers/__init__.py`` in one visible order:

- :data:`priority_router` goes first: opt-out words (a customer's legal right wins over any other
  answer), then keyword auto-replies (operations can override any handler);
- :data:`router` joins the domain routers: new contacts (welcome, channel tags), leaving customers,
  customer groups, and the managers' commands.

The module bodies live beside this one (``community_*.py``); the service is started by
:func:`service_context`.
"""

from __future__ import annotations

from bot.routing import Router
from handlers import (
    community_groups,
    community_keywords,
    community_manager,
    community_members,
    community_optout,
    community_welcome,
)
from handlers.community_service import service_context

__all__ = ["priority_router", "router", "service_context"]

priority_router = Router(name=__name__ + ".priority")
priority_router.include(community_optout.router, community_keywords.router)

router = Router(name=__name__)
router.include(
    community_welcome.router, community_members.router, community_groups.router, community_manager.router
)
