"""Build signed, encrypted callbacks the way WeCom does (real crypto, real envelope)."""

from __future__ import annotations

import secrets
import time
from urllib.parse import quote

from bot.sandbox.credentials import SANDBOX_AES_KEY, SANDBOX_CORP_ID, SANDBOX_TOKEN
from bot.settings import Settings, load_raw, settings_from_raw
from bot.wecom.crypto import CallbackCrypto, sign

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


def signed_post(
    plain_xml: str, *, crypto: CallbackCrypto = CRYPTO, timestamp: int | None = None, nonce: str | None = None
) -> tuple[str, str]:
    """(query string, body) for a POST; a fresh nonce and ciphertext every call, like WeCom's retries."""
    ts = str(timestamp or int(time.time()))
    nonce = nonce or str(secrets.randbelow(10**9))
    encrypt = crypto.encrypt(plain_xml)
    signature = sign(SANDBOX_TOKEN, ts, nonce, encrypt)
    body = (
        f"<xml><ToUserName><![CDATA[{SANDBOX_CORP_ID}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypt}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>"
    )
    return f"msg_signature={signature}&timestamp={ts}&nonce={nonce}", body


def signed_get(echo_plain: str, *, encode_plus: bool = True) -> str:
    ts, nonce = str(int(time.time())), "12345"
    echostr = CRYPTO.encrypt(echo_plain)
    signature = sign(SANDBOX_TOKEN, ts, nonce, echostr)
    value = quote(echostr, safe="") if encode_plus else echostr
    return f"msg_signature={signature}&timestamp={ts}&nonce={nonce}&echostr={value}"
