"""The registry's HTTP routes, one router per aggregate family."""
