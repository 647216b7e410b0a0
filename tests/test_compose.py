"""docker-compose.yml parses and every service names its image, command and environment."""

from __future__ import annotations

from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"


def _services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_compose_services_are_configured() -> None:
    services = _services()
    assert {"minio", "minio-setup", "postgres", "redis", "worker", "web", "sohoa"} <= set(services)
    for name, service in services.items():
        assert service.get("image"), f"{name}: no image"
        assert service.get("command"), f"{name}: no command"
        assert isinstance(service.get("environment"), dict), f"{name}: no environment"


def test_sohoa_service_points_at_the_compose_services() -> None:
    services = _services()
    env = services["sohoa"]["environment"]
    assert env["SOHOA_S3_ENDPOINT"].split(":")[0] in services
    assert "@postgres:5432/" in env["SOHOA_DATABASE_URL"]
    assert env["SOHOA_SIGNING_P12"].startswith("/run/secrets/")
    assert "--with-lock" in " ".join(services["minio-setup"]["command"])


def test_workers_share_the_queue_and_scale() -> None:
    services = _services()
    worker = services["worker"]
    assert worker["command"][:2] == ["sohoa", "worker"]
    assert worker["environment"]["SOHOA_BROKER_URL"].startswith("redis://redis:")
    assert worker["environment"]["SOHOA_BROKER_URL"] == \
        services["sohoa"]["environment"]["SOHOA_BROKER_URL"]
    assert "container_name" not in worker  # --scale worker=N needs unnamed containers
    assert "ports" not in worker  # published host ports would collide when scaled
    assert set(worker["depends_on"]) >= {"redis", "postgres", "minio-setup"}


def test_web_service_serves_the_api_over_the_shared_warehouse() -> None:
    services = _services()
    web = services["web"]
    assert web["command"][:2] == ["sohoa", "serve"] and "0.0.0.0" in web["command"]
    env = web["environment"]
    for key in ("SOHOA_S3_ENDPOINT", "SOHOA_DATABASE_URL", "SOHOA_BROKER_URL"):
        assert env[key] == services["sohoa"]["environment"][key]
    assert "SOHOA_SECRET_KEY" in env and env["SOHOA_DOWNLOAD_LINKS"] in ("server", "presigned")
    assert all(p.startswith("127.0.0.1:") for p in web["ports"])  # behind a TLS proxy
    assert "/health" in " ".join(web["healthcheck"]["test"])
    assert set(web["depends_on"]) >= {"postgres", "minio-setup"}
