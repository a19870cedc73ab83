"""Reporting's pure rules, one module per family (no I/O)."""
