"""Internal HTTP API of the invitations service."""
