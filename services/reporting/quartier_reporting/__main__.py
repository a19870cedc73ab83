from quartier_shared.runtime import run

from quartier_reporting.app import SPEC, ReportingSettings

run(SPEC, ReportingSettings())
