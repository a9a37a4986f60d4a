"""Handler modules, included in one visible order: the first matching handler wins.

Keyword overrides come first (operations can answer any text), then the domain routers, then help,
then the fallback that says what can be asked.
"""

from __future__ import annotations

from bot.routing import Router


def build_root_router() -> Router:
    """A fresh root router with every handler module included in match order."""
    from handlers import fallback, help

    root = Router(name="root")
    root.include(help.router, fallback.router)
    return root
