"""The audit log: who read or changed what, when, from where, and how it ended."""
