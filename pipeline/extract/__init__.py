"""Extractors: places, figures and measures over normalized text, each returning model records with spans."""
