"""Transforms: pure `Article -> Article` steps that log what they did (for --explain)."""
