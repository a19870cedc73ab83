"""A real Prometheus (Debian's /usr/bin/prometheus) scraping the test stack, once per test session.

The configuration is written by the fixture: the stack's services on their test ports as targets (same
job names as infra/prometheus/prometheus.yml), a one-second scrape and evaluation interval, and the alert
rules of infra/prometheus/rules/.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.stack import ROOT, Stack, free_port

PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"
RULES = ROOT / "infra" / "prometheus" / "rules"
JOBS = ("registry", "planning", "invitations", "reporting", "gateway")


def require(binary: str, package: str) -> str:
    if not Path(binary).exists():
        pytest.fail(f"{binary} fehlt: bitte `make install` ausführen (Debian-Paket {package})")
    return binary


class Prometheus:
    def __init__(self, url: str) -> None:
        self.url = url

    def query(self, expr: str) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=10)
        body = response.json()
        assert body.get("status") == "success", f"{expr}: {body}"
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def targets_up(self) -> dict[str, bool]:
        return {r["metric"]["job"]: r["value"][1] == "1" for r in self.query("up")}


def config(stack: Stack, prometheus_port: int) -> dict[str, Any]:
    scrape = [{"job_name": "prometheus", "static_configs": [{"targets": [f"127.0.0.1:{prometheus_port}"]}]}]
    for job in JOBS:
        scrape.append({"job_name": job, "static_configs": [{"targets": [f"127.0.0.1:{stack.services[job].port}"]}]})
    return {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "1s"},
        "rule_files": [str(RULES / "*.yml")],
        "scrape_configs": scrape,
    }


@pytest.fixture(scope="session")
def prometheus(stack: Stack) -> Iterator[Prometheus]:
    binary = require(PROMETHEUS, "prometheus")
    for job in JOBS:
        stack.start(job)  # invitations is not part of the default stack
    workdir = Path(tempfile.mkdtemp(prefix="quartier-prometheus-"))
    port = free_port()
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(config(stack, port)))
    log = (workdir / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=1h",
            "--web.enable-lifecycle",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    prom = Prometheus(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"prometheus ended:\n{(workdir / 'prometheus.log').read_text()[-3000:]}")
            try:
                if httpx.get(f"{prom.url}/-/ready", timeout=2).status_code == 200 and all(
                    prom.targets_up().get(job) for job in (*JOBS, "prometheus")
                ):
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"prometheus not scraping every service: {prom.targets_up()}")
            time.sleep(0.5)
        yield prom
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)
