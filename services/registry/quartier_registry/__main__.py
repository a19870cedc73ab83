from quartier_registry.app import SPEC
from quartier_registry.settings import RegistrySettings
from quartier_shared.runtime import run

run(SPEC, RegistrySettings())
