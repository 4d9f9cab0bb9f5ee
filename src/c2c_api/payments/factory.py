"""The payment provider this server uses (`C2C_PAYMENT_PROVIDER`)."""

from __future__ import annotations

from c2c_api.config import Settings
from c2c_api.db import Database
from c2c_api.payments.providers import PaymentProvider
from c2c_api.payments.sandbox import SandboxProvider


def provider_from_settings(settings: Settings, db: Database) -> PaymentProvider:
    """The configured provider (only "sandbox" exists so far; config.py refuses it in
    production unless C2C_SANDBOX_ALLOWED_IN_PRODUCTION)."""
    if settings.payment_provider == "sandbox":
        return SandboxProvider.from_settings(settings, db)
    raise ValueError(f"unknown payment provider {settings.payment_provider!r}")
