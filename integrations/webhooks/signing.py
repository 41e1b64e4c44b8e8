"""Standard Webhooks signatures: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.

The secret is `whsec_<base64 key>`. Receivers verify with `verify`, reject stale timestamps,
and drop a `webhook-id` they have already seen: that is what makes our retries harmless.
"""

import base64
import hashlib
import hmac
import time

TOLERANCE_SECONDS = 5 * 60


class InvalidSignature(ValueError):
    pass


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def headers(secret: str, msg_id: str, body: bytes, *, now: int | None = None) -> dict[str, str]:
    timestamp = int(now if now is not None else time.time())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
        "content-type": "application/json",
    }


def verify(secret: str, received: dict[str, str], body: bytes, *, now: int | None = None) -> None:
    """Raise InvalidSignature unless one of the signatures matches and the timestamp is fresh."""
    lowered = {k.lower(): v for k, v in received.items()}
    try:
        msg_id, timestamp = lowered["webhook-id"], int(lowered["webhook-timestamp"])
    except (KeyError, ValueError) as exc:
        raise InvalidSignature("missing webhook-id or webhook-timestamp") from exc
    if abs((now if now is not None else time.time()) - timestamp) > TOLERANCE_SECONDS:
        raise InvalidSignature("timestamp outside the tolerance")
    expected = sign(secret, msg_id, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in lowered.get("webhook-signature", "").split()):
        raise InvalidSignature("no matching signature")
