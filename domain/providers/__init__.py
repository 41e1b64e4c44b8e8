"""The physician directory: organizations, providers, affiliations and office staff."""
