import uuid

from domain.shared.errors import Conflict


class DuplicateNpi(Conflict):
    title = "NPI already in the directory"
    slug = "duplicate-npi"

    def __init__(self, npi: str, entity: str, existing_id: uuid.UUID | None) -> None:
        owner = f" ({entity} {existing_id})" if existing_id else ""
        super().__init__(
            f"NPI {npi} already belongs to another {entity.lower()}{owner}.",
            errors=[{"field": "body.npi", "message": "already in use"}],
        )


class MergeNotAllowed(Conflict):
    title = "Merge not allowed"
    slug = "merge-not-allowed"


class ProviderMerged(Conflict):
    title = "Provider was merged"
    slug = "provider-merged"

    def __init__(self, provider_id: uuid.UUID, into_id: uuid.UUID | None) -> None:
        super().__init__(f"Provider {provider_id} was merged into {into_id}; edit that one instead.")


class UndoNotAllowed(Conflict):
    title = "Merge cannot be undone"
    slug = "merge-undo-not-allowed"


class RefreshRunning(Conflict):
    title = "Refresh already running"
    slug = "duplicate-refresh-running"

    def __init__(self) -> None:
        super().__init__("The duplicate queue is being refreshed right now; its pairs update when that run ends.")
