"""The registry's rules, pure and without I/O: one module per aggregate family."""
