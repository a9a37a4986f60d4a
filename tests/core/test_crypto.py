"""Callback crypto against WeCom's published vectors (protocol sheet §1.8) and every bad ciphertext."""

from __future__ import annotations

import base64

import pytest
from Crypto.Cipher import AES

from bot.wecom.crypto import CallbackCrypto, CryptoError

OFFICIAL = CallbackCrypto("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
ECHO = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
POST_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJ"
    "Ts3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2"
    "hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4"
    "EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXd"
    "Q2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)


def test_official_get_vector_verifies_and_decrypts() -> None:
    assert OFFICIAL.verify("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780", ECHO)
    assert OFFICIAL.decrypt(ECHO) == "1616140317555161061"


def test_second_official_get_vector() -> None:
    crypto = CallbackCrypto(
        "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
        "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
        "ww1436e0e65a779aee",
    )
    # the echostr of this vector is not published; its signature check over a known echo is covered by
    # round trips below; here we check that a wrong corp id is refused.
    other = CallbackCrypto(
        "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo", "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt", "wwother"
    )
    with pytest.raises(CryptoError) as info:
        other.decrypt(crypto.encrypt("hello"))
    assert info.value.reason == "wrong_receive_id"


def test_official_post_vector_decrypts_to_text_message() -> None:
    assert OFFICIAL.verify(
        "477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149", POST_ENCRYPT
    )
    xml = OFFICIAL.decrypt(POST_ENCRYPT)
    assert "<Content><![CDATA[hello]]></Content>" in xml
    assert "4561255354251345929" in xml


def test_round_trip_with_chinese_text() -> None:
    message = "<xml><Content><![CDATA[诊断 000001]]></Content></xml>"
    assert OFFICIAL.decrypt(OFFICIAL.encrypt(message)) == message


def test_signature_comparison_rejects_near_miss() -> None:
    good = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
    assert not OFFICIAL.verify(good[:-1] + "4", "1409659589", "263014780", ECHO)
    assert not OFFICIAL.verify("非ASCII签名", "1409659589", "263014780", ECHO)


def _raw_encrypt(plain: bytes) -> str:
    key = base64.b64decode("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C=")
    return base64.b64encode(AES.new(key, AES.MODE_CBC, key[:16]).encrypt(plain)).decode()


@pytest.mark.parametrize(
    ("ciphertext", "reason"),
    [
        ("not base64 !!!", "bad_base64"),
        (base64.b64encode(b"short").decode(), "bad_length"),
        (_raw_encrypt(b"\x00" * 64), "bad_padding"),  # pad byte 0
        (_raw_encrypt(b"A" * 63 + b"\x21"), "bad_padding"),  # pad byte 33 > 32
        (_raw_encrypt(b"R" * 16 + b"\xff\xff\xff\xff" + b"x" * 12 + b"\x04" * 32), "bad_layout"),
        (
            _raw_encrypt(
                b"R" * 16 + b"\x00\x00\x00\x02" + b"\xff\xfe" + b"wx5823bf96d3bd56c7" + b"\x02" * 24
            ),
            "bad_encoding",
        ),
    ],
)
def test_every_bad_ciphertext_raises_crypto_error(ciphertext: str, reason: str) -> None:
    with pytest.raises(CryptoError) as info:
        OFFICIAL.decrypt(ciphertext)
    assert info.value.reason == reason


def test_passive_reply_envelope_is_signed() -> None:
    envelope = OFFICIAL.encrypt_reply("<xml><Content>hi</Content></xml>", timestamp="1409659813", nonce="42")
    from bot.wecom.xmlparse import parse_xml

    parsed = parse_xml(envelope)
    assert OFFICIAL.verify(parsed["MsgSignature"], parsed["TimeStamp"], parsed["Nonce"], parsed["Encrypt"])
    assert OFFICIAL.decrypt(parsed["Encrypt"]) == "<xml><Content>hi</Content></xml>"
