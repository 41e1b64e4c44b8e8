"""Task errors: the shared ones (NotFound, PreconditionFailed, InvalidInput) cover every case so far."""

from domain.shared.errors import InvalidInput


class UnknownReference(InvalidInput):
    """An id in the body that points at nothing."""

    def __init__(self, entity: str, entity_id: object, *, field: str) -> None:
        super().__init__(f"{entity} {entity_id} does not exist.", field=field)
