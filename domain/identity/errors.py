"""Authentication and authorisation failures, each a clear problem body."""

from domain.shared.errors import DomainError


class NotAuthenticated(DomainError):
    """401: no credentials, or credentials we do not accept. The detail never says which part failed
    beyond what helps an honest client (expired, wrong audience...)."""

    status = 401
    title = "Not authenticated"
    slug = "not-authenticated"

    def __init__(
        self,
        detail: str = "Send a valid bearer token or API key.",
        *,
        scheme: str = "Bearer",
        error: str = "invalid_token",
    ) -> None:
        super().__init__(detail)
        self.www_authenticate = f'{scheme} realm="refloop", error="{error}"' if scheme == "Bearer" else scheme


class InvalidCredentials(NotAuthenticated):
    title = "Invalid credentials"
    slug = "invalid-credentials"

    def __init__(self, detail: str = "The e-mail or password is wrong.") -> None:
        super().__init__(detail, error="invalid_grant")


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class TooManyAttempts(DomainError):
    status = 429
    title = "Too many attempts"
    slug = "too-many-attempts"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, retry_after=max(1, retry_after))


class AccountLocked(DomainError):
    status = 423
    title = "Account locked"
    slug = "account-locked"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, retry_after=max(1, retry_after))


class RateLimited(DomainError):
    status = 429
    title = "Rate limit exceeded"
    slug = "rate-limited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, retry_after=max(1, retry_after))


class InvalidClient(DomainError):
    """OAuth token endpoint error for SMART backend services (RFC 6749 section 5.2 names)."""

    status = 401
    title = "Invalid client"
    slug = "invalid-client"

    def __init__(self, detail: str, *, error: str = "invalid_client", status: int = 401) -> None:
        super().__init__(detail, error=error)
        self.status = status  # type: ignore[misc]


class InvitationUnknown(DomainError):
    """404: the token is not one we issued (mistyped, cut short, or replaced by a newer link)."""

    status = 404
    title = "Unknown link"
    slug = "invitation-unknown"

    def __init__(self) -> None:
        super().__init__(
            "This link is not one we issued, or a newer link replaced it. "
            "Check that the whole link was copied, or ask an administrator for a new one."
        )


class InvitationGone(DomainError):
    """410: the link existed but works no longer; `reason` says why (expired, used, revoked)."""

    status = 410
    title = "Link no longer works"
    slug = "invitation-gone"

    def __init__(self, detail: str, *, reason: str) -> None:
        super().__init__(detail, reason=reason)
