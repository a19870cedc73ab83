from quartier_shared.runtime import run

from quartier_planning.app import SPEC, PlanningSettings

run(SPEC, PlanningSettings())
