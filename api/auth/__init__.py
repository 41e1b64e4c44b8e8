"""Authentication (bearer JWTs, partner API keys) and the app-wide authorisation guard."""
