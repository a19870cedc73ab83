"""Operations: the Prometheus and Alertmanager configuration is valid, and the alert rules' unit tests
(`promtool test rules`) prove that every alert fires when it should and stays quiet when it should not."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.support.prometheus import PROMTOOL, RULES, require
from tests.support.stack import ROOT

PROMETHEUS_DIR = ROOT / "infra" / "prometheus"
AMTOOL = "/usr/bin/amtool"


def run(*args: str | Path) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, timeout=120, cwd=PROMETHEUS_DIR)
    output = (done.stdout + done.stderr).decode()
    assert done.returncode == 0, output
    return output


def test_the_prometheus_configurations_are_valid() -> None:
    promtool = require(PROMTOOL, "prometheus")
    # docker compose's configuration, and the one `make up` writes for the local ports
    run(promtool, "check", "config", PROMETHEUS_DIR / "prometheus.yml")
    local = Path(run("bash", PROMETHEUS_DIR / "prometheus.sh", "config").strip().splitlines()[-1])
    output = run(promtool, "check", "config", local)
    assert "1 rule files found" in output
    jobs = {job["job_name"] for job in yaml.safe_load(local.read_text())["scrape_configs"]}
    assert jobs == {"prometheus", "registry", "planning", "invitations", "reporting", "gateway"}


def test_the_alert_rules_are_valid_and_their_unit_tests_pass() -> None:
    promtool = require(PROMTOOL, "prometheus")
    rule_files = sorted(RULES.glob("*.yml"))
    assert rule_files
    run(promtool, "check", "rules", *rule_files)
    output = run(promtool, "test", "rules", *sorted((PROMETHEUS_DIR / "tests").glob("*.yml")))
    assert "SUCCESS" in output


def test_every_alert_has_a_test_that_fires_it_and_one_that_keeps_it_quiet() -> None:
    alerts = {
        rule["alert"]
        for path in RULES.glob("*.yml")
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }
    assert {"ServiceDown", "ConsumerLagGrowing", "OutboxBacklogGrowing", "DeadLetters", "HighErrorRate"} <= alerts
    assert "PlanDeadlinePassed" in alerts
    fires: set[str] = set()
    quiet: set[str] = set()
    for path in (PROMETHEUS_DIR / "tests").glob("*.yml"):
        for test in yaml.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                (fires if case.get("exp_alerts") else quiet).add(case["alertname"])
    assert alerts - fires == set(), "alerts without a test that fires them"
    assert alerts - quiet == set(), "alerts without a test that keeps them quiet"


def test_the_alertmanager_configuration_is_valid() -> None:
    amtool = require(AMTOOL, "prometheus-alertmanager")
    run(amtool, "check-config", PROMETHEUS_DIR / "alertmanager.yml")
