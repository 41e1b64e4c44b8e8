"""Referrals, their lifecycle and timeline, and the appointments that move them."""
