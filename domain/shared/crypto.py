"""Field-level encryption of patient data, and blind indexes for exact-match lookup.

Each value is sealed with AES-256-GCM under the active key and stored as
`<key id>$<base64(nonce | ciphertext)>`, so keys can rotate: every configured key
decrypts, the first one encrypts, and `refloop rotate-keys` re-seals old values.
The column's name is the associated data, so a value copied into another
column fails to decrypt instead of being read as something it is not.
"""

import base64
import binascii
import hashlib
import hmac
import json
import os
import unicodedata
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from domain.shared.settings import get_settings


class KeyRing:
    def __init__(self, spec: str) -> None:
        self.keys: dict[str, AESGCM] = {}
        for item in (part.strip() for part in spec.split(",") if part.strip()):
            key_id, _, encoded = item.partition(":")
            raw = base64.b64decode(encoded)
            if len(raw) != 32:
                raise ValueError(f"encryption key {key_id!r} must be 32 bytes")
            self.keys[key_id] = AESGCM(raw)
        if not self.keys:
            raise ValueError("at least one encryption key is required")
        self.active_id = next(iter(self.keys))

    def seal(self, plaintext: bytes, context: str) -> str:
        nonce = os.urandom(12)
        sealed = self.keys[self.active_id].encrypt(nonce, plaintext, context.encode())
        return f"{self.active_id}${base64.b64encode(nonce + sealed).decode()}"

    def open(self, stored: str, context: str) -> bytes:
        return self.open_with(stored, context.encode())

    def open_with(self, stored: str, aad: bytes) -> bytes:
        """`open` with the context already encoded: a list page opens a few hundred values."""
        key_id, _, payload = stored.partition("$")
        blob = binascii.a2b_base64(payload)
        return self.keys[key_id].decrypt(blob[:12], blob[12:], aad)

    def needs_rotation(self, stored: str) -> bool:
        return not stored.startswith(self.active_id + "$")


@lru_cache
def keyring() -> KeyRing:
    return KeyRing(get_settings().security.encryption_keys)


def normalise_for_index(*parts: str) -> str:
    folded = (unicodedata.normalize("NFKD", p).casefold().strip() for p in parts)
    return "|".join(" ".join(p.split()) for p in folded)


def blind_index(*parts: str | None) -> str | None:
    """Keyed hash for exact-match lookup without decrypting the table."""
    if any(p is None or p == "" for p in parts):
        return None
    key = get_settings().security.blind_index_key.encode()
    message = normalise_for_index(*(str(p) for p in parts)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


class Encrypted(TypeDecorator[Any]):
    """A text column whose value is sealed before it leaves the process."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context
        self.aad = context.encode()

    def encode(self, value: Any) -> bytes:
        return str(value).encode()

    def decode(self, raw: bytes) -> Any:
        return raw.decode()

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return keyring().seal(self.encode(value), self.context)

    def reader(self) -> Callable[[str], Any]:
        """`process_result_value` for a value that is not None, without SQLAlchemy's processor
        layers: a list page opens a few hundred values (domain/referrals/audited_reads.py)."""
        aad = self.aad
        # Plain text needs no method call of its own; dates and JSON decode as usual.
        decode = bytes.decode if type(self) is Encrypted else self.decode

        def read(value: str) -> Any:
            key_id, _, payload = value.partition("$")
            blob = binascii.a2b_base64(payload)
            return decode(keyring().keys[key_id].decrypt(blob[:12], blob[12:], aad))

        return read

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        if value is None:
            return None
        return self.decode(keyring().open_with(value, self.aad))


class EncryptedDate(Encrypted):
    cache_ok = True

    def encode(self, value: date) -> bytes:
        return value.isoformat().encode()

    def decode(self, raw: bytes) -> date:
        return date.fromisoformat(raw.decode())


class EncryptedJSON(Encrypted):
    cache_ok = True

    def encode(self, value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":"), default=str).encode()

    def decode(self, raw: bytes) -> Any:
        return json.loads(raw)
