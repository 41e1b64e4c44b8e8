"""Background work on arq: outbox relay, notifications, sweeps and rollups."""
