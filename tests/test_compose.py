"""docker-compose.yml parses and every service names its image, command and environment."""

from __future__ import annotations

from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"


def test_compose_services_are_configured() -> None:
    data = yaml.safe_load(COMPOSE.read_text())
    services = data["services"]
    assert services
    for name, service in services.items():
        assert service.get("image"), f"{name}: no image"
        assert service.get("command"), f"{name}: no command"
        assert isinstance(service.get("environment"), dict), f"{name}: no environment"
