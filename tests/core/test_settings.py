"""Start-up validation: a bad value stops start-up with one line naming it; secrets stay out of repr."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.settings import SettingsError, load_raw, settings_from_raw
from tests.core.callback_helpers import make_settings


def test_valid_settings_and_secrets_hidden() -> None:
    settings = make_settings()
    assert settings.wecom.api_base.endswith("/")
    text = repr(settings)
    assert settings.wecom.secret not in text and settings.wecom.encoding_aes_key not in text


@pytest.mark.parametrize(
    ("var", "value", "named"),
    [
        ("WECOM_ENCODING_AES_KEY", "tooshort", "WECOM_ENCODING_AES_KEY"),
        ("WECOM_ENCODING_AES_KEY", "!" * 43, "WECOM_ENCODING_AES_KEY"),
        ("WECOM_API_BASE", "not a url", "WECOM_API_BASE"),
        ("WECOM_AGENT_ID", "abc", "WECOM_AGENT_ID"),
        ("WECOM_CORP_ID", "", "WECOM_CORP_ID"),
        ("WECOM_TOKEN", "has spaces in it", "WECOM_TOKEN"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL"),
        ("REDIS_URL", "http://127.0.0.1:6379", "REDIS_URL"),
    ],
)
def test_bad_values_are_named(var: str, value: str, named: str) -> None:
    with pytest.raises(SettingsError) as info:
        make_settings(**{var: value})
    message = str(info.value)
    assert message.startswith(named) and "\n" not in message


def test_override_file_then_environment(tmp_path) -> None:
    override = tmp_path / "prod.toml"
    override.write_text("[server]\nport = 9001\n[callback]\nmax_body_bytes = 4096\n", encoding="utf-8")
    env = {
        "WECOMBOT_CONFIG": str(override),
        "WECOM_CORP_ID": "ww1",
        "WECOM_AGENT_ID": "7",
        "WECOM_SECRET": "s",
        "WECOM_TOKEN": "t",
        "WECOM_ENCODING_AES_KEY": "a" * 43,
    }
    settings = settings_from_raw(load_raw(env))
    assert settings.port == 9001 and settings.callback.max_body_bytes == 4096 and settings.wecom.agent_id == 7


def test_serve_with_missing_config_exits_with_one_line(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    for var in ("WECOM_CORP_ID", "WECOM_SECRET", "WECOM_TOKEN", "WECOM_ENCODING_AES_KEY", "WECOMBOT_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("wecombot: configuration error: WECOM_") and "\n" not in err
