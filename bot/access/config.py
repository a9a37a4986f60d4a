"""``[console]`` settings: session length, cookies, and where WeCom's sign-in page is."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings, SettingsError


@dataclass(frozen=True)
class ConsoleConfig:
    session_hours: float = 8.0
    secure_cookies: bool = False  # set true behind HTTPS so the session cookie never travels in clear
    # WeCom's web sign-in (企业微信登录) host; the simulator's address in the demo and the tests.
    login_base: str = "https://login.work.weixin.qq.com"
    # OAuth2 inside the WeCom client (网页授权): a page opened in WeCom signs the member in silently.
    oauth_base: str = "https://open.weixin.qq.com"
    # The address staff reach the console at, for the sign-in redirect; empty = taken from the request.
    public_url: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> ConsoleConfig:
        raw = settings.section("console")
        hours = raw.get("session_hours", cls.session_hours)
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0.1 <= hours <= 72:
            raise SettingsError(f"[console] session_hours: a number of hours from 0.1 to 72, not {hours!r}")
        secure = raw.get("secure_cookies", False)
        if not isinstance(secure, bool):
            raise SettingsError(f"[console] secure_cookies: true or false, not {secure!r}")
        login_base = raw.get("login_base", cls.login_base)
        oauth_base = raw.get("oauth_base", cls.oauth_base)
        public_url = raw.get("public_url", "")
        for name, value in (
            ("login_base", login_base),
            ("oauth_base", oauth_base),
            ("public_url", public_url),
        ):
            if not isinstance(value, str) or (value and not value.startswith(("http://", "https://"))):
                raise SettingsError(f"[console] {name}: an http(s) URL, not {value!r}")
        return cls(
            float(hours), secure, login_base.rstrip("/"), oauth_base.rstrip("/"), public_url.rstrip("/")
        )
