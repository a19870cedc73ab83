from quartier_registry.app import SPEC, RegistrySettings
from quartier_shared.runtime import run

run(SPEC, RegistrySettings())
