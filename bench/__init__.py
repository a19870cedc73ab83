"""Measurements of the platform (not tests: nothing here asserts timings)."""
