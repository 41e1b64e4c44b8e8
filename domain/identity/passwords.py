"""Password hashing for staff accounts (argon2 through passlib)."""

from passlib.context import CryptContext

_context = CryptContext(schemes=["argon2"], deprecated="auto")

# Verified against when the e-mail is unknown, so a miss costs as much as a hit
# and response time does not reveal which accounts exist.
_DUMMY_HASH = _context.hash("refloop-timing-equaliser")


def hash_password(plain: str) -> str:
    return _context.hash(plain)


def verify_password(plain: str, hashed: str | None) -> bool:
    """True when `plain` matches `hashed`; a missing or malformed hash is a mismatch."""
    if not hashed:
        _context.verify(plain, _DUMMY_HASH)
        return False
    try:
        return _context.verify(plain, hashed)
    except (ValueError, TypeError):
        return False


def needs_rehash(hashed: str) -> bool:
    return _context.needs_update(hashed)
