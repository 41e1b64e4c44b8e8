"""Outreach: which changes notify whom, with what words, and how often."""
