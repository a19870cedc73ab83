"""Starts the platform's services as real processes against the real Postgres and Kafka.

Every test session gets its own topic prefix, so runs never see each other's events, and the test
database (``QUARTIER_TEST_DB_NAME``, provisioned by ``make test``) is fresh for each ``make test``.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(os.environ.get("QUARTIER_ROOT") or Path(__file__).resolve().parents[2])
SERVICES = ("registry", "planning", "invitations", "reporting", "gateway")


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip().strip("'\"")
    return values


def base_env() -> dict[str, str]:
    env = read_env_file(ROOT / "infra" / "local.env")
    secrets = read_env_file(ROOT / "var" / "secrets.env")
    if not secrets:
        raise RuntimeError("var/secrets.env fehlt: bitte die Tests mit `make test` starten (richtet Postgres ein).")
    env.update(secrets)
    env["QUARTIER_DB_NAME"] = os.environ.get("QUARTIER_TEST_DB_NAME", "quartier_test")
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def db_password(env: dict[str, str], service: str) -> str:
    return env[f"QUARTIER_DB_PASSWORD_{service.upper()}"]


@dataclass
class Service:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Stack:
    topic_prefix: str
    env: dict[str, str] = field(default_factory=base_env)
    services: dict[str, Service] = field(default_factory=dict)
    log_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="quartier-test-logs-")))
    # Ports fixed before the first start, so that services started earlier can already name them.
    reserved_ports: dict[str, int] = field(default_factory=dict)
    # The key that signs the invitations' answer links in this test session.
    answer_link_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def port_of(self, name: str) -> int:
        """The port ``name`` runs (or will run) on in this stack."""
        if name in self.services:
            return self.services[name].port
        return self.reserved_ports.setdefault(name, free_port())

    def service_env(self, name: str, port: int, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
        env.update(self.env)
        env.update(
            {
                "QUARTIER_SERVICE_NAME": name,
                "QUARTIER_HTTP_PORT": str(port),
                "QUARTIER_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                "QUARTIER_DB_USER": f"quartier_{name}",
                "QUARTIER_DB_PASSWORD": db_password(self.env, name),
                "QUARTIER_TOPIC_PREFIX": self.topic_prefix,
                "QUARTIER_REGISTRY_URL": self.url("registry") if "registry" in self.services else "",
                "QUARTIER_REPORTING_URL": self.url("reporting") if "reporting" in self.services else "",
                "QUARTIER_PLANNING_URL": self.url("planning") if "planning" in self.services else "",
                "QUARTIER_INVITATIONS_URL": f"http://127.0.0.1:{self.port_of('invitations')}",
                "QUARTIER_DEMO_ACCOUNTS": "true",
                "QUARTIER_DEMO_DATA": "true",
            }
        )
        if name == "invitations":
            # Answer links point to the gateway; mail goes to the test process's SMTP server
            # (tests/support/smtp.py), and is retried quickly.
            from tests.support.smtp import session_sink

            env["QUARTIER_SMTP_HOST"] = "127.0.0.1"
            env["QUARTIER_SMTP_PORT"] = str(session_sink().port)
            env["QUARTIER_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{self.port_of('gateway')}"
            env["QUARTIER_ANSWER_LINK_SECRET"] = self.answer_link_secret
            env.setdefault("QUARTIER_DELIVERY_POLL_SECONDS", "0.2")
            env.setdefault("QUARTIER_DELIVERY_RETRY_BASE_SECONDS", "0.5")
            env.setdefault("QUARTIER_DELIVERY_RETRY_MAX_SECONDS", "2")
        env.update(extra or {})
        return {k: v for k, v in env.items() if v != ""}

    def spawn(self, name: str, extra_env: dict[str, str] | None = None, port: int | None = None) -> Service:
        """Starts a service process without waiting for it."""
        if port is None and name in ("invitations", "gateway") and name not in self.services:
            port = self.port_of(name)
        port = port or free_port()
        log_path = self.log_dir / f"{name}-{port}-{time.monotonic_ns()}.log"
        log = log_path.open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", f"quartier_{name}"],
            cwd=ROOT,
            env=self.service_env(name, port, extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return Service(name, port, process, log_path)

    def start(self, name: str, extra_env: dict[str, str] | None = None, timeout: float = 60) -> Service:
        """Ensures ``name`` runs: a running instance is kept unless other settings are asked for, in which
        case it is stopped first, so that two instances never share a port or a relay lock."""
        previous = self.services.get(name)
        if previous is not None and previous.process.poll() is None:
            if not extra_env:
                return previous
            self.stop(name)
        service = self.spawn(name, extra_env, port=previous.port if previous else None)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if service.process.poll() is not None:
                raise RuntimeError(f"{name} ended with {service.process.returncode}:\n{service.log_tail()}")
            try:
                if httpx.get(service.url + "/ready", timeout=2).status_code == 200:
                    self.services[name] = service
                    return service
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        service.process.kill()
        raise RuntimeError(f"{name} not ready after {timeout} s:\n{service.log_tail()}")

    def url(self, name: str) -> str:
        return self.services[name].url

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        service = self.services[name]
        if service.process.poll() is None:
            service.process.send_signal(sig)
            try:
                service.process.wait(timeout)
            except subprocess.TimeoutExpired:
                service.process.kill()
                service.process.wait()
        return service.process.returncode

    def stop_all(self) -> None:
        for name in reversed(list(self.services)):
            self.stop(name)
