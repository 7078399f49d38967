"""The stack's images, built offline and tagged by a hash of their inputs (see build.py)."""
