"""An EHR's public keys read from its JWKS URL at registration (or when an administrator refreshes them)."""

import httpx

from domain.identity.smart import jwks_from
from domain.shared.errors import InvalidInput

TIMEOUT_SECONDS = 10
MAX_BYTES = 256 * 1024
FIELD = "body.jwks_url"


async def fetch_jwks(url: str) -> dict:
    """The JWK Set at `url`, checked like a pasted one; a 422 naming `jwks_url` when it cannot be used."""
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            response = await client.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise InvalidInput(f"Could not read the key set at {url}: {type(exc).__name__}.", field=FIELD) from exc
    if response.status_code != 200:
        raise InvalidInput(f"The key set at {url} answered HTTP {response.status_code}, not 200.", field=FIELD)
    if len(response.content) > MAX_BYTES:
        raise InvalidInput(f"The key set at {url} is larger than {MAX_BYTES // 1024} KiB.", field=FIELD)
    try:
        document = response.json()
    except ValueError as exc:
        raise InvalidInput(f"The key set at {url} is not JSON.", field=FIELD) from exc
    try:
        return jwks_from(pem=None, jwks=document if isinstance(document, dict) else None)
    except InvalidInput as exc:
        raise InvalidInput(f"The key set at {url}: {exc.detail}", field=FIELD) from exc
