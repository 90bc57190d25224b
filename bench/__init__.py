"""Benchmarks and zoo measurements (run as scripts: python bench/NAME.py)."""
