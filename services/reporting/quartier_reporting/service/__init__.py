"""Reporting's use cases, one module per family."""
