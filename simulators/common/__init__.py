"""Pieces every simulator shares: HTTP routing, environment parsing and logging."""
