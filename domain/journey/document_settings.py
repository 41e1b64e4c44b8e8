"""Document settings (`DOCUMENTS_*`): size limit and where the sealed bytes are kept."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]


class DocumentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCUMENTS_", env_file=".env", extra="ignore")

    max_bytes: int = 20 * 1024 * 1024
    # Local storage (the default): under .data/ beside the code, as `make run` keeps its data.
    dir: Path = ROOT / ".data" / "documents"
    # Any S3-compatible store, used when a bucket is set.
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_prefix: str = ""


@lru_cache
def document_settings() -> DocumentSettings:
    return DocumentSettings()
