"""Business logic of Refloop, one sub-package per bounded context. No HTTP in here."""
