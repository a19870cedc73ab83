from quartier_invitations.app import SPEC, InvitationsSettings
from quartier_shared.runtime import run

run(SPEC, InvitationsSettings())
