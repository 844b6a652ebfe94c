"""The performance benchmark: ``python -m bench`` (see docs/PERFORMANCE.md)."""
