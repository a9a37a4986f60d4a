"""Build signed, encrypted callbacks the way WeCom does, with the simulator's own driver.

The driver signs and encrypts independently of the service's ``bot.wecom.crypto``, so a mistake made the
same way on both sides of a round trip cannot hide; ``CRYPTO`` (the service's side) reads the replies.
"""

from __future__ import annotations

import secrets
import time
from urllib.parse import quote

from bot.sandbox.credentials import SANDBOX_AES_KEY, SANDBOX_CORP_ID, SANDBOX_TOKEN
from bot.sandbox.driver import CallbackDriver
from bot.settings import Settings, load_raw, settings_from_raw
from bot.wecom.crypto import CallbackCrypto

CRYPTO = CallbackCrypto(SANDBOX_TOKEN, SANDBOX_AES_KEY, SANDBOX_CORP_ID)


def make_settings(**env_overrides: str) -> Settings:
    env = {
        "WECOM_CORP_ID": SANDBOX_CORP_ID,
        "WECOM_AGENT_ID": "1000002",
        "WECOM_SECRET": "unused-in-these-tests",
        "WECOM_TOKEN": SANDBOX_TOKEN,
        "WECOM_ENCODING_AES_KEY": SANDBOX_AES_KEY,
        "WECOM_API_BASE": "http://127.0.0.1:9/cgi-bin/",
        "DATABASE_URL": "sqlite+aiosqlite:///:memory:",
    }
    env.update(env_overrides)
    return settings_from_raw(load_raw(env))


def text_xml(
    content: str, msg_id: str | None = None, user: str = "rm_zhangwei", created: int | None = None
) -> str:
    msg_id = msg_id or str(secrets.randbits(62))
    created = created or int(time.time())
    return (
        f"<xml><ToUserName><![CDATA[{SANDBOX_CORP_ID}]]></ToUserName>"
        f"<FromUserName><![CDATA[{user}]]></FromUserName><CreateTime>{created}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>"
    )


def _driver(corp_id: str = SANDBOX_CORP_ID) -> CallbackDriver:
    return CallbackDriver("", SANDBOX_TOKEN, SANDBOX_AES_KEY, corp_id, session=None)  # type: ignore[arg-type]


def signed_post(
    plain_xml: str, *, corp_id: str = SANDBOX_CORP_ID, timestamp: int | None = None, nonce: str | None = None
) -> tuple[str, str]:
    """(query string, body) for a POST; a fresh nonce and ciphertext every call, like WeCom's retries."""
    driver = _driver(corp_id)
    encrypt = driver.encrypt(plain_xml)
    query = driver.signed_query(encrypt, timestamp=str(timestamp) if timestamp else None, nonce=nonce)
    body = (
        f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypt}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>"
    )
    return "&".join(f"{k}={v}" for k, v in query.items()), body


def signed_get(echo_plain: str, *, encode_plus: bool = True) -> str:
    """A URL-verification query; ``encode_plus=False`` leaves '+' unencoded as some proxies do."""
    driver = _driver()
    echostr = driver.encrypt(echo_plain)
    query = driver.signed_query(echostr, nonce="12345")
    value = quote(echostr, safe="") if encode_plus else echostr
    return "&".join(f"{k}={v}" for k, v in query.items()) + f"&echostr={value}"
