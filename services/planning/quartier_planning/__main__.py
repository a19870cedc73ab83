from quartier_planning.app import SPEC, PlanningSettings
from quartier_shared.runtime import run

run(SPEC, PlanningSettings())
