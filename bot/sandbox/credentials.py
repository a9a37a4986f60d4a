"""Credentials of the synthetic sandbox corp (SYNTHETIC: not a real WeCom corp, safe to publish).

The demo, the tests and ``wecombot sandbox`` all use these, so the service and the simulator agree
without any real secret in the repository.
"""

from __future__ import annotations

SANDBOX_CORP_ID = "wwsandbox0a1b2c3d4e"
SANDBOX_AGENT_ID = 1000002
SANDBOX_SECRET = "sandbox-secret-synthetic-not-real-0001"
SANDBOX_TOKEN = "SandboxToken2026"
SANDBOX_AES_KEY = "SandboxAesKeySynthetic0123456789abcdefABCDE"  # 43 characters
SANDBOX_KF_OPEN_KFID = "wkSandboxWealthKf01"


def sandbox_env(api_base: str, database_url: str, redis_url: str | None = None) -> dict[str, str]:
    """Environment variables that point the service at a simulator at ``api_base``."""
    env = {
        "WECOM_CORP_ID": SANDBOX_CORP_ID,
        "WECOM_AGENT_ID": str(SANDBOX_AGENT_ID),
        "WECOM_SECRET": SANDBOX_SECRET,
        "WECOM_TOKEN": SANDBOX_TOKEN,
        "WECOM_ENCODING_AES_KEY": SANDBOX_AES_KEY,
        "WECOM_API_BASE": api_base,
        "WECOM_KF_OPEN_KFID": SANDBOX_KF_OPEN_KFID,
        "DATABASE_URL": database_url,
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env
