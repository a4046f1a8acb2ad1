"""The container and cluster files are checked with the tools that run here.

This machine has no container engine (``docker`` is only a client, and no base image can be
pulled), so the image is not built in the tests: the Dockerfile is linted with hadolint, the
compose file validated against the Compose specification's schema, and the Kubernetes
manifests against the API schemas of Kubernetes 1.37 (docs/deployment.md says so too).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is a dev dependency (pip install -e '.[dev]')"
    return found


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)


def manifests() -> list[dict[str, Any]]:
    text = (ROOT / "deploy" / "kubernetes" / "guiders.yaml").read_text()
    return [doc for doc in yaml.safe_load_all(text) if doc]


def test_the_dockerfile_passes_hadolint_and_runs_as_a_user_with_a_health_check() -> None:
    done = run(tool("hadolint"), "--failure-threshold", "warning", "Dockerfile")
    assert done.returncode == 0, done.stdout + done.stderr
    text = (ROOT / "Dockerfile").read_text()
    assert text.count("\nFROM ") >= 2, "multi-stage"
    final_stage = text.rsplit("\nFROM ", 1)[1]
    assert "\nUSER 10001" in final_stage
    assert "HEALTHCHECK" in final_stage and "/api/health" in final_stage
    assert "kb train" in text and "analytics train" in text, "offline models baked in"


def test_the_compose_file_follows_the_compose_specification() -> None:
    path = "deploy/compose/docker-compose.yml"
    done = run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", path)
    assert done.returncode == 0, done.stdout + done.stderr
    services = yaml.safe_load((ROOT / path).read_text())["services"]
    assert {"node1", "node2", "bot", "analytics", "pipeline", "postgres", "redis", "proxy"} <= set(
        services
    )
    nginx = (ROOT / "deploy" / "compose" / "nginx.conf").read_text()
    assert "proxy_set_header Upgrade $http_upgrade" in nginx
    assert "server node1:8000" in nginx and "server node2:8000" in nginx


def test_no_deployment_file_carries_a_secret_value() -> None:
    env = (ROOT / "deploy" / "compose" / ".env.example").read_text().splitlines()
    assignments = [line.split("=", 1) for line in env if "=" in line and not line.startswith("#")]
    assert assignments and all(value == "" for _, value in assignments)
    kinds = {doc["kind"] for doc in manifests()}
    assert "Secret" not in kinds


def test_the_kubernetes_manifests_validate_and_probe_ready_and_health() -> None:
    done = run(tool("kubernetes-validate"), "--strict", "deploy/kubernetes/guiders.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    docs = {(doc["kind"], doc["metadata"]["name"]): doc for doc in manifests()}
    server = docs[("Deployment", "guiders")]["spec"]
    container = server["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/api/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/api/health"
    assert server["replicas"] >= 2
    assert server["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    assert ("PodDisruptionBudget", "guiders") in docs


@pytest.mark.parametrize("broken", ["replicas: two", "readinessProbe: 5"])
def test_the_validator_refuses_a_broken_manifest(tmp_path: Path, broken: str) -> None:
    """The check above can fail: the same tool refuses a manifest with a wrong type."""
    text = (ROOT / "deploy" / "kubernetes" / "guiders.yaml").read_text()
    key = broken.split(":")[0]
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{key}:"))
    indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
    lines[index] = indent + broken
    if key == "readinessProbe":  # drop the probe's own body
        while lines[index + 1].startswith(indent + "  "):
            del lines[index + 1]
    bad = tmp_path / "bad.yaml"
    bad.write_text("\n".join(lines) + "\n")
    done = run(tool("kubernetes-validate"), "--strict", str(bad))
    assert done.returncode != 0


WORKERS = ("bot", "analytics", "pipeline")


def test_every_worker_runs_as_replicas_in_a_consumer_group() -> None:
    """Each worker is scaled (two replicas) and joins its Redis consumer group with a name of
    its own; one replica alone would see every event, and N without a group all of them."""
    services = yaml.safe_load((ROOT / "deploy/compose/docker-compose.yml").read_text())["services"]
    for name in WORKERS:
        service = services[name]
        command = " ".join(service["command"])
        assert service["deploy"]["replicas"] >= 2, name
        assert "--redis-url redis://redis:6379/0" in command, name
        assert '--worker "$$(hostname)"' in command.replace('\\"', '"'), name
    docs = {(doc["kind"], doc["metadata"]["name"]): doc for doc in manifests()}
    workers = docs[("Deployment", "guiders-workers")]["spec"]
    assert workers["replicas"] >= 2
    containers = {
        c["name"]: " ".join(c["command"]) for c in workers["template"]["spec"]["containers"]
    }
    assert set(containers) == set(WORKERS)
    for name, command in containers.items():
        assert '--redis-url "$GUIDERS_REDIS_URL"' in command, name
        assert '--worker "$HOSTNAME"' in command, name
