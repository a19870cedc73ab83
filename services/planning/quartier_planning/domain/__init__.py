"""The planning service's domain modules, one per aggregate family."""
