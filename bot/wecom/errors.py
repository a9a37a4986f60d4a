"""Every WeCom errcode mapped to one exception hierarchy (python-telegram-bot ``error.py`` style).

Callers catch by meaning, not by number: :class:`RetryLater` (try again after ``retry_after``),
:class:`TokenInvalid` (the client refreshes once by itself), :class:`ConfigError` (an operator must
change something in the admin console; the message says what), :class:`InvalidTarget` (drop or fix
the recipient), :class:`QuotaExceeded` (WeCom's business caps), :class:`WelcomeCodeInvalid`,
:class:`KfSessionStateError` and :class:`BadRequest` (a bug in what we sent). Codes we do not know
become a plain :class:`WeComError`. Sources: the protocol sheet §4.8, wecom-kf.md §9 and the global
errcode page (developer.work.weixin.qq.com/document/path/90313).
"""

from __future__ import annotations

# Our own codes for failures that never reached WeCom's errcode (negative, below WeCom's -1).
HTTP_ERROR = -1000  # non-200 status, body not WeCom JSON
TIMEOUT = -1001  # no answer within the configured timeout
CONNECTION_ERROR = -1002  # DNS, refused, reset
BAD_RESPONSE = -1003  # 200 but the body is not a JSON object
LOCAL_RATE_LIMIT = -1004  # our own limiter refused before calling WeCom


class WeComError(Exception):
    """A WeCom call failed; ``errcode``/``errmsg`` as WeCom sent them, ``path`` without the query."""

    def __init__(self, errcode: int, errmsg: str = "", path: str = "", hint: str = "") -> None:
        self.errcode = errcode
        self.errmsg = errmsg
        self.path = path
        self.hint = hint
        text = f"WeCom {path or '?'} failed: errcode {errcode} ({errmsg or 'no message'})"
        super().__init__(f"{text}. {hint}" if hint else text)


class RetryLater(WeComError):
    """Transient: busy, throttled, still dispatching, HTTP 5xx, timeout. Safe to retry later."""

    def __init__(
        self, errcode: int, errmsg: str = "", path: str = "", hint: str = "", retry_after: float = 1.0
    ) -> None:
        super().__init__(errcode, errmsg, path, hint)
        self.retry_after = retry_after


class RateLimited(RetryLater):
    """Our own limiter refused: sending now would exceed a WeCom limit (whose excess WeCom drops)."""


class TokenInvalid(WeComError):
    """The access token was rejected (40014 / 42001) even after one refresh."""


class ConfigError(WeComError):
    """Something an operator must fix in the admin console or in the configuration; never retried."""


class InvalidTarget(WeComError):
    """The recipient (member, customer, chat, kf account) does not exist or is out of reach."""


class QuotaExceeded(WeComError):
    """A business cap of WeCom (kf 5 replies / 48 h, reminders, transfers, template counts)."""


class WelcomeCodeInvalid(WeComError):
    """The welcome code is missing, expired (> 20 s), already used, or the chat has started."""


class KfSessionStateError(WeComError):
    """The kf session's state forbids the call (bot not owner, session ended, illegal transition)."""


class BadRequest(WeComError):
    """What we sent is malformed (bad JSON, empty or too long content, too many attachments)."""


_ADMIN = "企业微信管理后台 (admin console)"

# errcode -> (class, operator hint). Hints say what to do; empty when the class says enough.
_CODES: dict[int, tuple[type[WeComError], str]] = {
    # transient
    -1: (RetryLater, "WeCom is busy; retried with backoff (at most 3 times)."),
    45009: (RetryLater, "API frequency limit hit; WeCom blocks a minute-level limit for 60 s."),
    45033: (RetryLater, "Too many concurrent calls of this API; lower the concurrency."),
    41063: (RetryLater, "The mass-message task is still being dispatched; query it again later."),
    # web sign-in: the code from WeCom's sign-in redirect is wrong, used already or older than 5 min
    40029: (BadRequest, "The sign-in code is invalid, used or expired: sign in again."),
    # token
    40014: (TokenInvalid, "The access token is invalid; the client refreshed it once."),
    42001: (TokenInvalid, "The access token expired; the client refreshed it once."),
    # configuration (operator must act)
    40001: (
        ConfigError,
        f"The secret is wrong, was reset, or the app is disabled: copy the app's current Secret from "
        f"{_ADMIN} → 应用管理 into WECOM_SECRET. Repeated wrong-secret calls ban the IP for 1 hour.",
    ),
    40013: (ConfigError, f"The CorpID is wrong: check WECOM_CORP_ID against {_ADMIN} → 我的企业."),
    40056: (ConfigError, f"The agentid is wrong: check WECOM_AGENT_ID against {_ADMIN} → 应用管理."),
    40091: (ConfigError, "The secret belongs to another corp: check WECOM_SECRET and WECOM_CORP_ID."),
    48001: (ConfigError, f"This API is not authorised for the corp/app: check {_ADMIN}."),
    48002: (
        ConfigError,
        f"The app may not call this API: add it under {_ADMIN} → 客户与上下游 → 客户联系 → "
        "可调用接口的应用 (appchat needs the root department in the app's visible range).",
    ),
    48006: (ConfigError, f"API permission was withdrawn for an unused app: re-enable it in {_ADMIN}."),
    48007: (
        ConfigError,
        f"The kf account is not authorised to this app: grant it under {_ADMIN} → 微信客服 → "
        "可调用接口的应用.",
    ),
    50003: (ConfigError, f"The app is disabled: re-enable it in {_ADMIN} → 应用管理."),
    60011: (
        ConfigError,
        f"The member/department/tag is outside the app's visible range: widen 可见范围 in {_ADMIN}.",
    ),
    60020: (
        ConfigError,
        f"This server's IP is not trusted: add it to 企业可信IP of the app in {_ADMIN} (takes ~1 min).",
    ),
    60021: (ConfigError, f"The userid is outside the app's visible range: widen 可见范围 in {_ADMIN}."),
    84074: (
        ConfigError,
        f"No external-contact permission: give the app 客户联系 permission in {_ADMIN} and make sure "
        "the member has 客户联系 enabled.",
    ),
    301002: (ConfigError, "The token's app differs from the agentid in the body: check WECOM_AGENT_ID."),
    93000: (ConfigError, "The group-robot webhook key is invalid or the robot was removed: disable it."),
    95011: (ConfigError, f"Token from the wrong secret for the corp's kf mode: check 微信客服 in {_ADMIN}."),
    95012: (ConfigError, f"Token from the wrong secret for the corp's kf mode: check 微信客服 in {_ADMIN}."),
    95014: (ConfigError, f"The user is not an active servicer of the kf account: add in {_ADMIN}."),
    95015: (ConfigError, f"Dedicated service is already configured in {_ADMIN} → 微信客服."),
    95017: (ConfigError, f"The kf API switch is off for this app: turn it on in {_ADMIN} → 微信客服."),
    95023: (ConfigError, f"The kf API switch was granted to another app: check {_ADMIN} → 微信客服."),
    # recipient
    40003: (InvalidTarget, "Invalid or unknown UserID (left the corp, or not in the contact list)."),
    40031: (InvalidTarget, "Invalid UserID list."),
    40050: (InvalidTarget, "The chatid does not exist."),
    40096: (InvalidTarget, "Invalid external_userid (other corp's id, or follower outside visible range)."),
    41047: (InvalidTarget, "Invalid mass-message msgid."),
    41048: (InvalidTarget, "No customers to send to."),
    46004: (InvalidTarget, "The user does not exist."),
    49008: (InvalidTarget, "The group chat was dismissed."),
    60111: (InvalidTarget, "The UserID does not exist (left, deleted, or outside the visible range)."),
    81013: (InvalidTarget, "Every UserID/department/tag is invalid or invisible to the app."),
    84061: (InvalidTarget, "No external-contact relationship between this member and customer."),
    86001: (InvalidTarget, "Invalid chatid."),
    86008: (InvalidTarget, "The chat was not created by this app."),
    95000: (InvalidTarget, "Invalid open_kfid."),
    95004: (InvalidTarget, "open_kfid not found (deleted, or another corp's account)."),
    # business caps
    40099: (QuotaExceeded, "The member's external-contact count is at its cap."),
    40126: (QuotaExceeded, "The corp has 3000 tags already."),
    40128: (QuotaExceeded, "A customer may be transferred at most twice per 90 days."),
    41055: (QuotaExceeded, "The corp has the maximum number of group welcome templates."),
    41094: (QuotaExceeded, "Reminders for this mass message exceed the limit (3 per 24 h)."),
    95001: (QuotaExceeded, "kf: 5 replies per customer message already sent; wait for the customer."),
    95002: (QuotaExceeded, "kf: more than 48 h since the customer's last message."),
    95003: (QuotaExceeded, f"kf: reception cap reached (unverified corp): verify the corp in {_ADMIN}."),
    # welcome codes
    41049: (WelcomeCodeInvalid, "welcome_code missing."),
    41050: (WelcomeCodeInvalid, "welcome_code invalid or expired (usable once, within 20 s)."),
    41051: (WelcomeCodeInvalid, "The customer and member are already chatting; no welcome allowed."),
    41096: (WelcomeCodeInvalid, "A welcome message for this code is already being sent."),
    # kf sessions
    95007: (KfSessionStateError, "kf callback Token expired or wrong; wait for the next callback."),
    95013: (KfSessionStateError, "kf session already ended."),
    95016: (KfSessionStateError, "kf session state transition not allowed."),
    95018: (KfSessionStateError, "kf session is not in a state (0/1) the API may send in, or > 48 h."),
    95019: (KfSessionStateError, "kf servicer stopped or suspended receiving."),
    95031: (KfSessionStateError, "kf customer has not consulted within 48 h."),
    # malformed requests (a bug on our side)
    40004: (BadRequest, "Invalid media file type."),
    40005: (BadRequest, "Invalid media type parameter."),
    40006: (BadRequest, "Invalid file size."),
    40007: (BadRequest, "Invalid media_id (expired after 3 days, or wrong type)."),
    40008: (BadRequest, "Invalid msgtype."),
    40033: (BadRequest, "Invalid characters (\\uxxxx escapes are not accepted)."),
    40058: (BadRequest, "Invalid parameter (bad JSON, value too long, or GET instead of POST)."),
    40063: (BadRequest, "A required parameter is empty."),
    41001: (BadRequest, "access_token missing from the URL."),
    41064: (BadRequest, "Too many attachments (at most 9)."),
    44001: (BadRequest, "Empty media file."),
    44004: (BadRequest, "Text content is empty."),
    45001: (BadRequest, "Media file too large."),
    45002: (BadRequest, "Content too large (text at most 2048 bytes)."),
    45008: (BadRequest, "Too many news articles (at most 8)."),
    82001: (BadRequest, "touser, toparty and totag are all empty."),
    95008: (BadRequest, "kf menu has more than 10 items."),
    95009: (BadRequest, "Invalid kf menu item type."),
    95030: (BadRequest, "Message type banned by the kf component."),
}

# Default seconds before a transient failure is worth retrying (WeCom's minute-level block is 60 s).
_RETRY_AFTER = {-1: 1.0, 45009: 60.0, 45033: 1.0, 41063: 5.0}


def error_for(errcode: int, errmsg: str = "", path: str = "") -> WeComError:
    """The exception for a WeCom answer; unknown codes give a plain :class:`WeComError`."""
    cls, hint = _CODES.get(errcode, (WeComError, ""))
    if issubclass(cls, RetryLater):
        return cls(errcode, errmsg, path, hint, retry_after=_RETRY_AFTER.get(errcode, 1.0))
    return cls(errcode, errmsg, path, hint)


def is_known(errcode: int) -> bool:
    """True when ``errcode`` has a class of its own (for the docs and the simulator's checks)."""
    return errcode in _CODES
