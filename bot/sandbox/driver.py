"""Drive the service's callback URL exactly as WeCom does: encrypted, signed, in an XML envelope.

    driver = CallbackDriver(url, SANDBOX_TOKEN, SANDBOX_AES_KEY, SANDBOX_CORP_ID, session)
    result = await driver.send(events.text_message("rm_zhangwei", "你好", 1))
    result.reply_xml  # the decrypted passive reply, if the service answered one

AES is wechatpy's (``wechatpy.enterprise.crypto``); the signature is the documented SHA1 over the
sorted [token, timestamp, nonce, encrypt], checked against Tencent's published vector in the tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from aiohttp import ClientSession
from defusedxml import ElementTree
from wechatpy.enterprise.crypto import PrpCrypto

from bot.sandbox.events import build_xml


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """WeCom's ``msg_signature``: lowercase hex SHA1 of the four strings sorted and joined."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode()).hexdigest()


class ReplyError(ValueError):
    """A passive reply that is not a well-formed, correctly signed, decryptable envelope."""


@dataclass(frozen=True)
class CallbackResult:
    """What the service answered to one callback."""

    status: int
    body: str
    reply_xml: str | None  # decrypted passive reply, None for an empty (ack-only) answer


class CallbackDriver:
    """Sends signed, encrypted callbacks to ``callback_url`` with the given credentials."""

    def __init__(
        self, callback_url: str, token: str, aes_key: str, corp_id: str, session: ClientSession
    ) -> None:
        message = "EncodingAESKey must be 43 characters (base64 of 32 bytes without '=')"
        if len(aes_key) != 43:
            raise ValueError(message)
        try:
            key = base64.b64decode(aes_key + "=", validate=True)
        except ValueError as exc:
            raise ValueError(message) from exc
        self.callback_url = callback_url
        self.token = token
        self.corp_id = corp_id
        self._key = key
        self._session = session

    def encrypt(self, plaintext: str) -> str:
        """Base64 ciphertext of ``plaintext`` (random 16 bytes | length | msg | corp_id, PKCS#7/32)."""
        encrypted = PrpCrypto(self._key).encrypt(plaintext, self.corp_id)
        return encrypted.decode() if isinstance(encrypted, bytes) else str(encrypted)

    def decrypt(self, encrypt: str) -> str:
        """Plaintext of a ciphertext; raises ``ReplyError`` when the corp id or padding is wrong."""
        try:
            return str(PrpCrypto(self._key).decrypt(encrypt, self.corp_id))
        except Exception as exc:  # wechatpy raises struct/unicode errors on garbage
            raise ReplyError(f"cannot decrypt: {exc!r}") from exc

    def signed_query(
        self, encrypt: str, *, timestamp: str | None = None, nonce: str | None = None
    ) -> dict[str, str]:
        ts = timestamp or str(int(time.time()))
        nc = nonce or str(secrets.randbelow(10**10))
        return {"msg_signature": signature(self.token, ts, nc, encrypt), "timestamp": ts, "nonce": nc}

    def envelope(self, plaintext: str, agent_id: int | str = "") -> tuple[dict[str, str], str]:
        """The query string and POST body WeCom would send for ``plaintext``."""
        encrypt = self.encrypt(plaintext)
        body = build_xml({"ToUserName": self.corp_id, "Encrypt": encrypt, "AgentID": str(agent_id)})
        return self.signed_query(encrypt), body

    async def send(self, plaintext: str, *, agent_id: int | str = "") -> CallbackResult:
        """POST one callback; decrypts the passive reply when the service gives one."""
        query, body = self.envelope(plaintext, agent_id)
        async with self._session.post(
            self.callback_url, params=query, data=body.encode(), headers={"Content-Type": "text/xml"}
        ) as response:
            text = await response.text()
            status = response.status
        reply = self.decrypt_reply(text) if status == 200 and text.strip() else None
        return CallbackResult(status=status, body=text, reply_xml=reply)

    async def verify_url(self, echo: str | None = None) -> str:
        """The GET URL check: the service must answer the decrypted echostr verbatim."""
        echo = echo or str(secrets.randbelow(10**19))
        encrypt = self.encrypt(echo)
        params = {**self.signed_query(encrypt), "echostr": encrypt}
        async with self._session.get(self.callback_url, params=params) as response:
            text = await response.text()
            if response.status != 200:
                raise ReplyError(f"URL verification answered HTTP {response.status}: {text[:200]}")
        if text != echo:
            raise ReplyError(f"URL verification answered {text[:100]!r}, expected {echo!r}")
        return text

    def decrypt_reply(self, body: str) -> str:
        """Check the signature of a passive-reply envelope and return its plaintext XML."""
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError as exc:
            raise ReplyError(f"reply is not XML: {body[:100]!r}") from exc
        fields = {child.tag: (child.text or "") for child in root}
        missing = {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"} - fields.keys()
        if missing:
            raise ReplyError(f"reply envelope lacks {', '.join(sorted(missing))}")
        expected = signature(self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
        if not hmac.compare_digest(expected, fields["MsgSignature"]):
            raise ReplyError("reply MsgSignature does not match")
        return self.decrypt(fields["Encrypt"])
