from domain.shared.schemas import Schema


class ImportSummary(Schema):
    import_id: str | None
    file_hash: str
    rows: int
    loaded: int
    skipped: int
    already_imported: bool
