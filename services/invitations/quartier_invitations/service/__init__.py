"""Use cases of the invitations service."""
