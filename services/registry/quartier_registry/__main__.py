from quartier_shared.runtime import run

from quartier_registry.app import SPEC, RegistrySettings

run(SPEC, RegistrySettings())
