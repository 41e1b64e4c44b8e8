"""Production refuses to start with the development secrets that ship in the settings defaults."""

from domain.shared.settings import SecuritySettings, Settings


class InsecureConfiguration(RuntimeError):
    pass


def refuse_development_secrets(settings: Settings) -> None:
    if settings.environment != "production":
        return
    defaults = SecuritySettings.model_fields
    weak = [
        f"SECURITY_{name.upper()}"
        for name in ("secret_key", "encryption_keys", "blind_index_key")
        if getattr(settings.security, name) == defaults[name].default
    ]
    if len(settings.security.secret_key) < 32 and "SECURITY_SECRET_KEY" not in weak:
        weak.append("SECURITY_SECRET_KEY (shorter than 32 characters)")
    if weak:
        raise InsecureConfiguration(
            "REFLOOP_ENVIRONMENT=production but these still hold development values: " + ", ".join(weak)
        )
