"""Benchmarks that run the project and a baseline side by side and report ratios."""
