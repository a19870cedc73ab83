from quartier_invitations.app import spec
from quartier_invitations.settings import InvitationsSettings
from quartier_shared.runtime import run

settings = InvitationsSettings()
run(spec(settings), settings)
