from typing import Any

from domain.shared.errors import DomainError, InvalidInput


class ImportRejected(DomainError):
    """A history file with problems: the report names each (row, column, problem); nothing is loaded."""

    status = 422
    title = "Import rejected"
    slug = "import-rejected"

    def __init__(self, detail: str, errors: list[Any]) -> None:
        rows = [{"row": e.row, "column": e.column, "problem": e.problem} for e in errors]
        super().__init__(detail, row_errors=rows)
        self.row_errors = rows


class FileTooLarge(DomainError):
    status = 413
    title = "File too large"
    slug = "file-too-large"


class SettingsInvalid(InvalidInput):
    pass
