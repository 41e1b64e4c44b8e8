"""Referral metrics for dashboards and exports, as DESIGN.md defines them."""
