"""SMART on FHIR system scopes: `system/<Resource>.<read|write|*>` (v1) or `.cruds` letters (v2)."""

import re

SCOPE_RE = re.compile(r"^system/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|c?r?u?d?s?)$")
READ_LETTERS = frozenset("rs")
WRITE_LETTERS = frozenset("cud")


def is_valid(scope: str) -> bool:
    match = SCOPE_RE.match(scope)
    return bool(match and match.group(2))


def _accesses(permission: str) -> set[str]:
    if permission == "*":
        return {"read", "write"}
    if permission in ("read", "write"):
        return {permission}
    letters = set(permission)
    return ({"read"} if letters & READ_LETTERS else set()) | ({"write"} if letters & WRITE_LETTERS else set())


def allows(scopes: frozenset[str] | set[str] | list[str], resource_type: str, access: str) -> bool:
    for scope in scopes:
        match = SCOPE_RE.match(scope)
        if match and match.group(1) in ("*", resource_type) and access in _accesses(match.group(2)):
            return True
    return False


def covered(requested: str, allowed: list[str]) -> bool:
    """Whether a requested scope is within what the client was registered for."""
    match = SCOPE_RE.match(requested)
    if not match or not match.group(2):
        return False
    resource, permission = match.groups()
    wanted = _accesses(permission)
    if resource == "*":
        return any(
            a == requested
            or ((m := SCOPE_RE.match(a)) is not None and m.group(1) == "*" and wanted <= _accesses(m.group(2)))
            for a in allowed
        )
    return all(allows(allowed, resource, access) for access in wanted)
