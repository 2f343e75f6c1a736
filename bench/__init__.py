"""Benchmarks for the hotline: `python -m bench` (see docs/performance.md)."""
