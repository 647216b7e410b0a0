"""docker-compose.yml parses and every service names its image, command and environment."""

from __future__ import annotations

from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"


def _services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_compose_services_are_configured() -> None:
    services = _services()
    assert {"minio", "minio-setup", "postgres", "sohoa"} <= set(services)
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
