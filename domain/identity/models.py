from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.identity.enums import Role
from domain.shared.db import Base
from domain.shared.models import IdMixin, TimestampMixin, enum_type


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role))
    # Work queue the user picks referrals from, e.g. "cardiology-intake".
    queue: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
