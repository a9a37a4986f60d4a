"""WeCom callback crypto on top of wechatpy: signatures, AES-256-CBC with 32-byte PKCS#7, envelopes.

wechatpy does the AES and the plaintext layout; we add what it lacks for a public endpoint (protocol
sheet §7): a constant-time signature check, a strict padding check, and one exception type for every
way a ciphertext can be bad, so the callback can answer 4xx and never 500.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import struct
import time

from wechatpy.crypto.base import BasePrpCrypto
from wechatpy.utils import WeChatSigner


class CryptoError(ValueError):
    """A ciphertext or signature that must be refused; ``reason`` is a short metric label."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def sign(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """SHA1 over the four sorted strings (protocol sheet §1.2)."""
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce, encrypt)
    return signer.signature


class _StrictPrpCrypto(BasePrpCrypto):
    """wechatpy's cipher with the checks its decrypt path skips (padding range, lengths, encoding)."""

    def decrypt_strict(self, text: str, receive_id: str) -> str:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise CryptoError("bad_base64") from None
        if not raw or len(raw) % 16:
            raise CryptoError("bad_length", f"{len(raw)} bytes")
        plain = self.cipher.decrypt(raw)
        pad = plain[-1]
        if not 1 <= pad <= 32 or plain[-pad:] != bytes([pad]) * pad:
            raise CryptoError("bad_padding")
        content = plain[16:-pad]
        if len(content) < 4:
            raise CryptoError("bad_layout", "too short")
        (length,) = struct.unpack(">I", content[:4])
        if length > len(content) - 4:
            raise CryptoError("bad_layout", "length past the end")
        try:
            message = content[4 : 4 + length].decode("utf-8")
            sender = content[4 + length :].decode("utf-8")
        except UnicodeDecodeError:
            raise CryptoError("bad_encoding") from None
        if sender != receive_id:
            raise CryptoError("wrong_receive_id", "message is for another corp or app")
        return message


class CallbackCrypto:
    """Verify, decrypt and encrypt WeCom callback payloads for one (token, key, receive id)."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        key = base64.b64decode(encoding_aes_key + "=")
        if len(key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes")
        self._token = token
        self._key = key
        self._receive_id = receive_id

    def _prp(self) -> _StrictPrpCrypto:
        # A fresh cipher per operation: pycryptodome's CBC objects carry state between calls,
        # which is why wechatpy itself builds one per message.
        return _StrictPrpCrypto(self._key)

    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return sign(self._token, timestamp, nonce, encrypt)

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> bool:
        expected = self.signature(timestamp, nonce, encrypt)
        return hmac.compare_digest(expected.encode(), msg_signature.encode("utf-8", "replace"))

    def decrypt(self, encrypt: str) -> str:
        return self._prp().decrypt_strict(encrypt, self._receive_id)

    def encrypt(self, message: str) -> str:
        return self._prp()._encrypt(message, self._receive_id).decode()

    def encrypt_reply(self, message: str, timestamp: str | None = None, nonce: str | None = None) -> str:
        """The encrypted passive-reply envelope (protocol sheet §1.7)."""
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or str(secrets.randbelow(10**10))
        encrypt = self.encrypt(message)
        signature = self.signature(timestamp, nonce, encrypt)
        return (
            f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )
