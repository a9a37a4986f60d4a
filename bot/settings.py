"""Typed settings: ``config/default.toml``, then the file in ``WECOMBOT_CONFIG``, then the environment.

Everything is validated once at start-up; a bad value raises :class:`SettingsError` whose message is a
single line naming the setting, so ``wecombot serve`` can print it and stop. Secrets are excluded from
``repr`` so a logged settings object never leaks them.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "default.toml"

# Environment variable -> (section, key). These names are a contract (see ARCHITECTURE.md).
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "WECOM_CORP_ID": ("wecom", "corp_id"),
    "WECOM_AGENT_ID": ("wecom", "agent_id"),
    "WECOM_SECRET": ("wecom", "secret"),
    "WECOM_TOKEN": ("wecom", "token"),
    "WECOM_ENCODING_AES_KEY": ("wecom", "encoding_aes_key"),
    "WECOM_API_BASE": ("wecom", "api_base"),
    "WECOM_KF_OPEN_KFID": ("wecom", "kf_open_kfid"),
    "DATABASE_URL": ("database", "url"),
    "REDIS_URL": ("redis", "url"),
    "WECOMBOT_API_TOKEN": ("service", "api_token"),
}

_AES_KEY_RE = re.compile(r"^[A-Za-z0-9]{43}$")
_TOKEN_RE = re.compile(r"^[A-Za-z0-9]{1,32}$")


class SettingsError(ValueError):
    """A missing or malformed setting; the message names it in one line."""


@dataclass(frozen=True)
class WeComSettings:
    corp_id: str
    agent_id: int
    secret: str = field(repr=False)
    token: str = field(repr=False)
    encoding_aes_key: str = field(repr=False)
    api_base: str
    kf_open_kfid: str = ""
    http_timeout_seconds: float = 10.0


@dataclass(frozen=True)
class CallbackSettings:
    max_body_bytes: int = 65536
    timestamp_window_seconds: int = 300
    passive_reply_budget_ms: int = 400
    dedupe_ttl_seconds: int = 86400


@dataclass(frozen=True)
class Settings:
    wecom: WeComSettings
    callback: CallbackSettings
    database_url: str = field(repr=False)
    redis_url: str | None = field(repr=False)
    host: str
    port: int
    timezone: str
    api_token: str = field(repr=False, default="")
    # Every section of the merged configuration, for domain modules that validate their own parts
    # (compliance rules, keyword replies, slots, ...).
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name, {})
        if not isinstance(value, dict):
            raise SettingsError(f"[{name}]: must be a table")
        return value


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise SettingsError(f"WECOMBOT_CONFIG: file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc})") from None


def load_raw(env: Mapping[str, str] | None = None, config_path: str | Path | None = None) -> dict[str, Any]:
    """Merge the default file, the optional override file and the environment (no validation)."""
    env = os.environ if env is None else env
    raw = _read_toml(DEFAULT_CONFIG)
    override = config_path or env.get("WECOMBOT_CONFIG")
    if override:
        raw = _merge(raw, _read_toml(Path(override)))
    for var, (section, key) in ENV_OVERRIDES.items():
        if var in env:
            raw.setdefault(section, {})[key] = env[var]
    return raw


def _get(raw: Mapping[str, Any], section: str, key: str, name: str) -> Any:
    try:
        return raw[section][key]
    except (KeyError, TypeError):
        raise SettingsError(f"{name}: missing") from None


def _env_name(section: str, key: str) -> str:
    for var, where in ENV_OVERRIDES.items():
        if where == (section, key):
            return var
    return f"[{section}].{key}"


def _int(raw: Mapping[str, Any], section: str, key: str, minimum: int = 0) -> int:
    name = _env_name(section, key)
    value = _get(raw, section, key, name)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise SettingsError(f"{name}: must be an integer, got {value!r}") from None
    if number < minimum:
        raise SettingsError(f"{name}: must be at least {minimum}, got {number}")
    return number


def _str(raw: Mapping[str, Any], section: str, key: str, *, required: bool = True) -> str:
    name = _env_name(section, key)
    value = str(_get(raw, section, key, name)).strip()
    if required and not value:
        raise SettingsError(f"{name}: missing (set it in the environment or in WECOMBOT_CONFIG)")
    return value


def _http_url(value: str, name: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{name}: not an http(s) URL: {value!r}")
    return value if value.endswith("/") else value + "/"


def settings_from_raw(raw: Mapping[str, Any]) -> Settings:
    """Validate a merged configuration; raise SettingsError naming the first bad value."""
    aes_key = _str(raw, "wecom", "encoding_aes_key")
    if not _AES_KEY_RE.match(aes_key):
        raise SettingsError(
            f"WECOM_ENCODING_AES_KEY: must be exactly 43 letters or digits, got {len(aes_key)} characters"
        )
    token = _str(raw, "wecom", "token")
    if not _TOKEN_RE.match(token):
        raise SettingsError("WECOM_TOKEN: must be 1-32 letters or digits")
    wecom = WeComSettings(
        corp_id=_str(raw, "wecom", "corp_id"),
        agent_id=_int(raw, "wecom", "agent_id", minimum=1),
        secret=_str(raw, "wecom", "secret"),
        token=token,
        encoding_aes_key=aes_key,
        api_base=_http_url(_str(raw, "wecom", "api_base"), "WECOM_API_BASE"),
        kf_open_kfid=_str(raw, "wecom", "kf_open_kfid", required=False),
        http_timeout_seconds=float(raw.get("wecom", {}).get("http_timeout_seconds", 10.0)),
    )
    callback = CallbackSettings(
        max_body_bytes=_int(raw, "callback", "max_body_bytes", minimum=1024),
        timestamp_window_seconds=_int(raw, "callback", "timestamp_window_seconds", minimum=1),
        passive_reply_budget_ms=_int(raw, "callback", "passive_reply_budget_ms", minimum=0),
        dedupe_ttl_seconds=_int(raw, "callback", "dedupe_ttl_seconds", minimum=60),
    )
    database_url = _str(raw, "database", "url")
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise SettingsError("DATABASE_URL: not a database URL") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise SettingsError(f"DATABASE_URL: unsupported database {url.get_backend_name()!r}")
    redis_url = _str(raw, "redis", "url", required=False) or None
    if redis_url and urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
        raise SettingsError("REDIS_URL: must start with redis://, rediss:// or unix://")
    timezone = _str(raw, "service", "timezone")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"[service].timezone: unknown time zone {timezone!r}") from None
    return Settings(
        wecom=wecom,
        callback=callback,
        database_url=database_url,
        redis_url=redis_url,
        host=_str(raw, "server", "host"),
        port=_int(raw, "server", "port", minimum=0),
        timezone=timezone,
        api_token=_str(raw, "service", "api_token", required=False),
        raw=raw,
    )


def load_settings(env: Mapping[str, str] | None = None, config_path: str | Path | None = None) -> Settings:
    """Load and validate settings the way ``wecombot serve`` does."""
    return settings_from_raw(load_raw(env, config_path))


def database_url_from_config(env: Mapping[str, str] | None = None) -> str:
    """Just the database URL, for commands (``db upgrade``, ``import``) that need no WeCom credentials."""
    url = str(load_raw(env).get("database", {}).get("url", "")).strip()
    if not url:
        raise SettingsError("DATABASE_URL: missing")
    try:
        make_url(url)
    except ArgumentError:
        raise SettingsError("DATABASE_URL: not a database URL") from None
    return url
