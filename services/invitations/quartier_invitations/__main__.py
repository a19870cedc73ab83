from quartier_shared.runtime import run

from quartier_invitations.app import SPEC, InvitationsSettings

run(SPEC, InvitationsSettings())
