"""Every errcode lands in one class of the hierarchy, with a hint an operator can act on."""

from __future__ import annotations

import pytest

from bot.wecom.errors import (
    BadRequest,
    ConfigError,
    InvalidTarget,
    KfSessionStateError,
    QuotaExceeded,
    RateLimited,
    RetryLater,
    TokenInvalid,
    WeComError,
    WelcomeCodeInvalid,
    error_for,
)

TABLE = [
    (RetryLater, [-1, 45009, 45033, 41063]),
    (TokenInvalid, [40014, 42001]),
    (ConfigError, [40001, 40013, 48002, 60011, 60020, 84074, 301002, 93000, 95017]),
    (InvalidTarget, [40003, 40096, 81013, 84061, 86001, 60111, 95000]),
    (QuotaExceeded, [95001, 95002, 41094]),
    (WelcomeCodeInvalid, [41049, 41050, 41051, 41096]),
    (KfSessionStateError, [95018, 95016, 95013, 95007]),
    (BadRequest, [40058, 44004, 45002, 41064, 82001]),
]


@pytest.mark.parametrize(("cls", "code"), [(cls, code) for cls, codes in TABLE for code in codes])
def test_errcode_maps_to_its_class(cls: type[WeComError], code: int) -> None:
    exc = error_for(code, "synthetic errmsg", "some/path")
    assert type(exc) is cls
    assert (exc.errcode, exc.errmsg, exc.path) == (code, "synthetic errmsg", "some/path")
    assert str(code) in str(exc) and "some/path" in str(exc)
    assert exc.hint


def test_unknown_code_is_a_plain_wecom_error() -> None:
    exc = error_for(99999, "new", "x")
    assert type(exc) is WeComError


def test_config_errors_say_where_to_fix_them() -> None:
    assert "企业可信IP" in str(error_for(60020))
    assert "WECOM_SECRET" in str(error_for(40001))
    assert "可调用接口的应用" in str(error_for(48002))


def test_retry_later_carries_a_delay() -> None:
    exc = error_for(-1)
    assert isinstance(exc, RetryLater) and exc.retry_after > 0
    assert issubclass(RateLimited, RetryLater)
