"""Our own access tokens: short-lived HS256 JWTs signed with SECURITY_SECRET_KEY.

Staff tokens carry the role and the refresh family (`sid`) so logout can revoke them;
EHR tokens carry the granted SMART scopes. Both are checked the same way.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from jose import JWTError, jwt
from jose.exceptions import ExpiredSignatureError, JWTClaimsError

from domain.identity.errors import NotAuthenticated
from domain.shared.clock import utcnow
from domain.shared.settings import get_settings

ALGORITHM = "HS256"
ISSUER = "refloop"
AUDIENCE = "refloop-api"
# Clocks of the machines involved may disagree a little.
LEEWAY_SECONDS = 30


@dataclass(frozen=True)
class TokenClaims:
    subject: str
    kind: str
    role: str | None
    session_id: str | None
    scopes: frozenset[str]
    organization_id: str | None
    jti: str
    expires_at: int
    password_change_required: bool = False


def issue(
    *,
    subject: str,
    kind: str,
    lifetime: timedelta,
    role: str | None = None,
    session_id: str | None = None,
    scopes: list[str] | None = None,
    organization_id: str | None = None,
    password_change_required: bool = False,
) -> tuple[str, int]:
    """Returns the token and its lifetime in seconds."""
    now = utcnow()
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": subject,
        "kind": kind,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    for name, value in (("role", role), ("sid", session_id), ("org", organization_id)):
        if value is not None:
            claims[name] = value
    if scopes is not None:
        claims["scope"] = " ".join(scopes)
    if password_change_required:
        claims["pwc"] = True
    return jwt.encode(claims, get_settings().security.secret_key, algorithm=ALGORITHM), int(lifetime.total_seconds())


# Tokens already verified by this process, until they expire: the signature of a given string
# under a given key does not change, so only the expiry needs checking again.
_VERIFIED: dict[tuple[str, str], TokenClaims] = {}
_VERIFIED_MAX = 4096


def verify(token: str) -> TokenClaims:
    secret = get_settings().security.secret_key
    claims = _VERIFIED.get((secret, token))
    if claims is not None:
        if claims.expires_at + LEEWAY_SECONDS <= utcnow().timestamp():
            _VERIFIED.pop((secret, token), None)
            raise NotAuthenticated("The bearer token has expired; refresh it or log in again.")
        return claims
    claims = _verify(token, secret)
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[(secret, token)] = claims
    return claims


def _verify(token: str, secret: str) -> TokenClaims:
    try:
        header = jwt.get_unverified_header(token)
    except JWTError as exc:
        raise NotAuthenticated("The bearer token is not a JWT.") from exc
    if header.get("alg") != ALGORITHM:
        raise NotAuthenticated("The bearer token is not signed the way this service signs tokens.")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={
                "leeway": LEEWAY_SECONDS,
                "require_exp": True,
                "require_iat": True,
                "require_sub": True,
                "require_jti": True,
            },
        )
    except ExpiredSignatureError as exc:
        raise NotAuthenticated("The bearer token has expired; refresh it or log in again.") from exc
    except JWTClaimsError as exc:
        raise NotAuthenticated(f"The bearer token is not valid here: {exc}.") from exc
    except JWTError as exc:
        raise NotAuthenticated("The bearer token's signature or format is not valid.") from exc
    now = utcnow().timestamp()
    if claims["iat"] > now + LEEWAY_SECONDS:
        raise NotAuthenticated("The bearer token was issued in the future.")
    kind = claims.get("kind")
    if kind not in ("user", "ehr_client"):
        raise NotAuthenticated("The bearer token names no known kind of caller.")
    return TokenClaims(
        subject=claims["sub"],
        kind=kind,
        role=claims.get("role"),
        session_id=claims.get("sid"),
        scopes=frozenset((claims.get("scope") or "").split()),
        organization_id=claims.get("org"),
        jti=claims["jti"],
        expires_at=int(claims["exp"]),
        password_change_required=claims.get("pwc") is True,
    )
