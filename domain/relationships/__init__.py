"""Referrer relationships: history import, referrer figures, cooling alerts, touchpoints and ROI."""
