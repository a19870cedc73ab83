"""The registry's use cases: load, decide, save together with the outbox in one transaction."""
