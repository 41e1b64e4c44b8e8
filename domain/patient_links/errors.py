from domain.shared.errors import DomainError


class LinkNotFound(DomainError):
    """404 for every link that does not work: unknown, altered, expired, used to cancel, appointment gone.

    One answer for all, so a guessed or replayed link learns nothing."""

    status = 404
    title = "Link not found"
    slug = "patient-link-not-found"

    def __init__(self, phone: str) -> None:
        super().__init__(
            "This link does not work: it may have expired, been used to cancel the appointment, or "
            f"been copied incompletely. Please call us at {phone}."
        )
