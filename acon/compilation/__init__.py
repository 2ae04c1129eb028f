"""Trajectory compilation: agent trajectories -> long-context QA training data."""
