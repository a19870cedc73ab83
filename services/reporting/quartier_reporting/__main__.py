from quartier_reporting.app import SPEC, ReportingSettings
from quartier_shared.runtime import run

run(SPEC, ReportingSettings())
