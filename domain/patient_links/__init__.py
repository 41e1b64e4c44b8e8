"""Patient links: a signed-by-possession link in appointment messages to confirm, cancel or ask."""
