"""Settings are validated with clear messages, and every one is documented."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from c2c_api.config import Settings, format_settings_error

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


class TestSettings:
    def test_every_setting_is_documented(self) -> None:
        text = DOC.read_text(encoding="utf-8")
        missing = [
            f"C2C_{n.upper()}" for n in Settings.model_fields if f"C2C_{n.upper()}" not in text
        ]
        assert missing == []

    def test_unknown_database_driver_is_refused_by_name(self) -> None:
        with pytest.raises(ValidationError) as caught:
            Settings(database_url="mysql://x")
        message = format_settings_error(caught.value)
        assert "C2C_DATABASE_URL" in message
        assert "sqlite+aiosqlite://" in message

    def test_production_needs_a_real_secret_and_https(self) -> None:
        with pytest.raises(ValidationError, match="C2C_SECRET_KEY"):
            Settings(env="production", issuer="https://api.example.com")
        with pytest.raises(ValidationError, match="https"):
            Settings(env="production", secret_key="x" * 40, issuer="http://api.example.com")
        ok = Settings(
            env="production",
            secret_key="x" * 40,
            issuer="https://api.example.com",
            sandbox_allowed_in_production=True,
            sandbox_webhook_secret="w" * 40,
        )
        assert ok.env == "production"

    def test_production_refuses_the_sandbox_provider_unless_allowed(self) -> None:
        real = {"secret_key": "x" * 40, "issuer": "https://api.example.com"}
        with pytest.raises(ValidationError, match="C2C_SANDBOX_ALLOWED_IN_PRODUCTION"):
            Settings(env="production", **real)
        with pytest.raises(ValidationError, match="C2C_SANDBOX_WEBHOOK_SECRET"):
            Settings(env="production", sandbox_allowed_in_production=True, **real)

    def test_environment_variables_are_read(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("C2C_ACCESS_TOKEN_TTL", "120")
        monkeypatch.setenv("C2C_MAX_BODY_BYTES", "2048")
        settings = Settings()
        assert settings.access_token_ttl == 120
        assert settings.max_body_bytes == 2048

    def test_out_of_range_values_are_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("C2C_ACCESS_TOKEN_TTL", "5")
        with pytest.raises(ValidationError) as caught:
            Settings()
        assert "C2C_ACCESS_TOKEN_TTL" in format_settings_error(caught.value)


class TestStartUp:
    def test_the_command_line_refuses_bad_settings_clearly(self) -> None:
        import os
        import subprocess
        import sys

        env = {**os.environ, "C2C_DATABASE_URL": "mysql://nope"}
        done = subprocess.run(
            [sys.executable, "-m", "c2c_api", "db", "current"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2
        assert "C2C_DATABASE_URL" in done.stderr
        assert "Traceback" not in done.stderr


class TestCorsSetting:
    def test_comma_separated_origins(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("C2C_CORS_ORIGINS", "https://shop.example, https://app.example/")
        assert Settings().cors_origins == ["https://shop.example", "https://app.example"]

    def test_not_an_origin_is_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("C2C_CORS_ORIGINS", "shop.example")
        with pytest.raises(ValidationError) as caught:
            Settings()
        assert "C2C_CORS_ORIGINS" in format_settings_error(caught.value)
