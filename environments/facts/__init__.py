"""A tiny built-in benchmark for tests, demos and benchmarks of the harness itself
(environments/facts/env.py)."""
