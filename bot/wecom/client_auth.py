"""Identity (``auth/...``): who signed in through WeCom's web sign-in (企业微信登录) or OAuth2."""

from __future__ import annotations

from bot.wecom.client_base import ClientCore, Json


class AuthMixin(ClientCore):
    async def get_user_info_by_code(self, code: str) -> Json:
        """``{"userid": ...}`` for a corp member (``openid``/``external_userid`` for anyone else).

        A code is good once and for 5 minutes; a bad one raises BadRequest (40029).
        """
        if not code or len(code) > 512:
            raise ValueError("code: 1 to 512 characters")
        return await self._get("auth/getuserinfo", {"code": code})
