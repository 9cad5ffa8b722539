"""Extraction of structured facts (concept mentions, claims) from parsed notes."""
