"""``/wecom/callback``: verify -> decrypt -> parse -> dedupe -> dispatch -> answer.

Every refusal is a 4xx with a reason counted in metrics and no handler run. A verified callback is
always answered 200 (WeCom retries anything else), with a passive encrypted reply only when the handler
finished within ``passive_reply_budget_ms``; a slower handler's reply goes out through the API later.
"""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import unquote

from aiohttp import web

from bot import keys
from bot.answer import send_reply_via_api
from bot.routing import DispatchResult
from bot.state import DEDUPE
from bot.wecom.crypto import CallbackCrypto, CryptoError
from bot.wecom.events import Event, Message, UnknownEvent, parse_event
from bot.wecom.replies import render_passive_xml
from bot.wecom.xmlparse import XmlError, parse_xml

log = logging.getLogger("wecombot.callback")

CRYPTO = web.AppKey("callback_crypto", CallbackCrypto)


class Refused(web.HTTPException):
    """A refused callback: status, short reason (metric label) and a plain-text body."""

    def __init__(self, status: int, reason: str) -> None:
        self.status_code = status
        super().__init__(text=f"refused: {reason}\n", content_type="text/plain")
        self.refusal = reason


def _raw_query(request: web.Request) -> dict[str, str]:
    """Query values percent-decoded WITHOUT turning '+' into a space (protocol sheet §1.3)."""
    params: dict[str, str] = {}
    for part in request.rel_url.raw_query_string.split("&"):
        if part:
            key, _, value = part.partition("=")
            params.setdefault(unquote(key), unquote(value))
    return params


def _check_params(request: web.Request, names: tuple[str, ...]) -> dict[str, str]:
    query = _raw_query(request)
    missing = [n for n in names if not query.get(n)]
    if missing:
        raise Refused(400, "missing_" + "_".join(missing))
    settings = request.app[keys.SETTINGS]
    try:
        timestamp = int(query["timestamp"])
    except ValueError:
        raise Refused(400, "bad_timestamp") from None
    if abs(time.time() - timestamp) > settings.callback.timestamp_window_seconds:
        raise Refused(403, "stale_timestamp")
    return query


def _verify(crypto: CallbackCrypto, query: dict[str, str], encrypt: str) -> str:
    """Signature check, tolerant of a '+' that a proxy turned into a space; returns the ciphertext."""
    sig, ts, nonce = query["msg_signature"], query["timestamp"], query["nonce"]
    if crypto.verify(sig, ts, nonce, encrypt):
        return encrypt
    repaired = encrypt.replace(" ", "+")
    if repaired != encrypt and crypto.verify(sig, ts, nonce, repaired):
        return repaired
    raise Refused(403, "bad_signature")


async def verify_url(request: web.Request) -> web.Response:
    """GET: WeCom checks the URL; answer the decrypted echostr verbatim, with no I/O."""
    metrics = request.app[keys.METRICS]
    try:
        query = _check_params(request, ("msg_signature", "timestamp", "nonce", "echostr"))
        echostr = _verify(request.app[CRYPTO], query, query["echostr"])
        plain = request.app[CRYPTO].decrypt(echostr)
    except Refused as refused:
        metrics.rejections.labels(refused.refusal).inc()
        raise
    except CryptoError as exc:
        metrics.rejections.labels(exc.reason).inc()
        raise Refused(400, exc.reason) from None
    return web.Response(text=plain, content_type="text/plain")


async def _read_body(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise Refused(413, "body_too_large")
    body = await request.content.read(limit + 1)
    if len(body) > limit:
        raise Refused(413, "body_too_large")
    return body


async def _decode(request: web.Request) -> Event:
    settings = request.app[keys.SETTINGS]
    query = _check_params(request, ("msg_signature", "timestamp", "nonce"))
    body = await _read_body(request, settings.callback.max_body_bytes)
    try:
        envelope = parse_xml(body)
    except XmlError as exc:
        raise Refused(400, exc.reason) from None
    encrypt = envelope.get("Encrypt")
    if not isinstance(encrypt, str) or not encrypt:
        raise Refused(400, "missing_encrypt")
    crypto = request.app[CRYPTO]
    encrypt = _verify(crypto, query, encrypt)
    try:
        plain = crypto.decrypt(encrypt)
        return parse_event(parse_xml(plain))
    except CryptoError as exc:
        raise Refused(400, exc.reason) from None
    except XmlError as exc:
        raise Refused(400, "inner_" + exc.reason) from None


async def receive(request: web.Request) -> web.Response:
    """POST: a message or event from WeCom."""
    app = request.app
    metrics = app[keys.METRICS]
    try:
        event = await _decode(request)
    except Refused as refused:
        metrics.rejections.labels(refused.refusal).inc()
        log.warning("callback refused: %s", refused.refusal)
        raise
    metrics.callbacks.labels(event.kind).inc()
    if isinstance(event, UnknownEvent):
        metrics.unknown_events.labels(event.kind).inc()
        log.info("unknown event kept raw: %s %s", event.kind, sorted(event.raw))
    settings = app[keys.SETTINGS]
    if not await app[keys.STATE].claim(DEDUPE + event.dedupe_key, settings.callback.dedupe_ttl_seconds):
        metrics.duplicates.inc()
        return web.Response(text="")
    tasks = app[keys.TASKS]
    work = tasks.spawn(app[keys.DISPATCHER].dispatch(event), name=f"dispatch {event.kind}")
    done, _ = await asyncio.wait({work}, timeout=settings.callback.passive_reply_budget_ms / 1000)
    if work in done:
        result = work.result()
        if result.reply is not None and result.reply.passive_ok and isinstance(event, Message):
            metrics.replies.labels("passive").inc()
            xml = render_passive_xml(result.reply, to_user=event.from_user, from_corp=settings.wecom.corp_id)
            return web.Response(text=app[CRYPTO].encrypt_reply(xml), content_type="application/xml")
        _send_later(app, event, result)
    else:
        work.add_done_callback(lambda t: None if t.cancelled() else _send_later(app, event, t.result()))
    return web.Response(text="")


def _send_later(app: web.Application, event: Event, result: DispatchResult) -> None:
    if result.reply is None:
        return

    async def send() -> None:
        try:
            await send_reply_via_api(app[keys.WECOM], event, result.reply)  # type: ignore[arg-type]
            app[keys.METRICS].replies.labels("api").inc()
        except Exception as exc:  # the one error path; never crash the loop
            await app[keys.DISPATCHER].errors.report(exc, where="reply", event=event)

    app[keys.TASKS].spawn(send(), name=f"reply {event.kind}")


def setup_callback(app: web.Application, path: str = "/wecom/callback") -> None:
    settings = app[keys.SETTINGS]
    wecom = settings.wecom
    app[CRYPTO] = CallbackCrypto(wecom.token, wecom.encoding_aes_key, wecom.corp_id)
    app.router.add_get(path, verify_url)
    app.router.add_post(path, receive)
