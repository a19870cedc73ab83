"""The planning service's service modules, one per aggregate family."""
