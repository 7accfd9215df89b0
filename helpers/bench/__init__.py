"""Benchmarks of the course's helpers against plain alternatives, measured side by side in one run."""
