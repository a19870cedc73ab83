"""A second city: a registry on a database of its own, provisioned for the test and dropped after it."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.stack import ROOT, Service, Stack

PG = ROOT / "infra" / "postgres" / "pg.sh"
MUSTERSTADT = ROOT / "services" / "registry" / "tests" / "musterstadt.yaml"


@contextmanager
def registry_of_another_city(stack: Stack, topic_prefix: str, territory_file: Path = MUSTERSTADT) -> Iterator[Service]:
    """A registry (not waited for) with ``territory_file`` on a fresh database and its own topic prefix
    (``stack.topic_prefix + topic_prefix``); afterwards the process is stopped and the database dropped."""
    database = f"quartier_city_{uuid.uuid4().hex[:8]}"
    subprocess.run(["bash", str(PG), "provision", database], check=True, capture_output=True, timeout=60)
    try:
        service = stack.spawn(
            "registry",
            {
                "QUARTIER_DB_NAME": database,
                "QUARTIER_TERRITORY_FILE": str(territory_file),
                "QUARTIER_TOPIC_PREFIX": stack.topic_prefix + topic_prefix,
            },
        )
        try:
            yield service
        finally:
            service.process.terminate()
            service.process.wait(20)
    finally:
        subprocess.run(["bash", str(PG), "drop", database], check=True, capture_output=True, timeout=60)


def get_once_up(service: Service, path: str) -> httpx.Response:
    """GET ``path`` from a starting service until it answers 200 (about 30 s); fails if the process dies."""
    response: httpx.Response | None = None
    for _ in range(300):
        try:
            response = httpx.get(f"{service.url}{path}", timeout=2)
            if response.status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert service.process.poll() is None, service.log_tail()
        time.sleep(0.1)
    assert response is not None and response.status_code == 200
    return response
