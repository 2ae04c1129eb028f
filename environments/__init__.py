"""Benchmarks, one folder each, all implementing `acon.environment.Environment`."""
