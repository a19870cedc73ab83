"""The planning service's api modules, one per aggregate family."""
