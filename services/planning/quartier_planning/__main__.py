from quartier_planning.app import SPEC
from quartier_planning.settings import PlanningSettings
from quartier_shared.runtime import run

run(SPEC, PlanningSettings())
