"""Reporting's HTTP routes, one module per family."""
