"""Signed partner webhooks (Standard Webhooks)."""
