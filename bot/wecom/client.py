"""The async WeCom API client other modules use: ``WeComClient(settings, session, state)``.

One instance per process, built on the process's single ``aiohttp.ClientSession`` and the shared
StateStore (so the token and the rate-limit windows are shared by every instance on Redis). Every
method is ``async`` and returns WeCom's decoded JSON (errcode 0) or raises a subclass of
:class:`bot.wecom.errors.WeComError`; bad arguments raise ``ValueError`` before any call. Usage::

    client = WeComClient(settings.wecom, session, state)
    await client.send_text(["rm_zhangwei"], "今日有 3 位客户产品到期")

Endpoints are grouped by area in mixins (messages, external contact, kf) over
:class:`bot.wecom.client_base.ClientCore` (tokens, retries, limits, error mapping).
"""

from __future__ import annotations

from bot.wecom.client_auth import AuthMixin
from bot.wecom.client_base import RetryPolicy
from bot.wecom.client_external import ExternalContactMixin
from bot.wecom.client_kf import KfMixin
from bot.wecom.client_messages import MessagesMixin

__all__ = ["RetryPolicy", "WeComClient"]


class WeComClient(MessagesMixin, ExternalContactMixin, KfMixin, AuthMixin):
    """Typed WeCom API; optional keyword arguments: ``retry``, ``limiter``, ``sleep``, ``rnd``."""
