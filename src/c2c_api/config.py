"""Settings, read from ``C2C_*`` environment variables and validated at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DB_PATH = Path("var") / "c2c.sqlite3"
DEV_SANDBOX_WEBHOOK_SECRET = "whsec_sandbox_dev_insecure"


class Settings(BaseSettings):
    """Every setting of the service; see docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="C2C_", extra="ignore", frozen=True)

    env: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_DB_PATH}"
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_echo: bool = False

    # Public base URL of this server: the OAuth issuer (`iss`) and the origin of e-mail links.
    issuer: str = "http://127.0.0.1:8000"
    # Secret used to encrypt signing keys at rest and to sign cookies. Required in production.
    secret_key: str = "dev-insecure-secret-change-me"

    access_token_ttl: int = Field(default=900, ge=60, le=86_400, description="seconds")
    refresh_token_ttl: int = Field(default=30 * 86_400, ge=3600, le=365 * 86_400)
    # Absolute lifetime of a refresh-token family (from the code exchange), however often rotated.
    refresh_family_max_age: int = Field(default=90 * 86_400, ge=3600, le=3650 * 86_400)
    authorization_code_ttl: int = Field(default=120, ge=30, le=600)
    client_credentials_token_ttl: int = Field(default=3600, ge=60, le=86_400)
    signing_key_rotation_grace: int = Field(default=86_400, ge=0)
    login_session_ttl: int = Field(default=14 * 86_400, ge=300)
    email_token_ttl: int = Field(default=2 * 86_400, ge=300)
    password_reset_ttl: int = Field(default=3600, ge=300)

    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_throttle_window: int = Field(default=900, ge=10, description="seconds")
    signup_max_attempts_per_email: int = Field(default=5, ge=1)
    signup_max_attempts_per_address: int = Field(default=20, ge=1)
    signup_throttle_window: int = Field(default=3600, ge=10, description="seconds")

    # Messages (docs/messaging.md): TEXT messages a member may send a minute and a day.
    messages_per_minute: int = Field(default=30, ge=1, le=10_000)
    messages_per_day: int = Field(default=300, ge=1, le=1_000_000)

    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    graphql_max_depth: int = Field(default=12, ge=2, le=50)
    graphql_max_aliases: int = Field(default=30, ge=1)
    graphql_max_tokens: int = Field(default=5000, ge=100)
    # Query cost (docs/limits.md): the most one request may cost, per kind of caller, and each
    # client's budget (a token bucket: capacity, refilled per second), shared through Redis
    # when C2C_REDIS_URL is set.
    graphql_cost_max_anonymous: int = Field(default=5_000, ge=1)
    graphql_cost_max_member: int = Field(default=10_000, ge=1)
    graphql_cost_max_partner: int = Field(default=20_000, ge=1)
    graphql_cost_max_operator: int = Field(default=50_000, ge=1)
    graphql_budget_capacity_anonymous: int = Field(default=100_000, ge=1)
    graphql_budget_capacity_member: int = Field(default=100_000, ge=1)
    graphql_budget_capacity_partner: int = Field(default=200_000, ge=1)
    graphql_budget_capacity_operator: int = Field(default=500_000, ge=1)
    graphql_budget_refill_anonymous: float = Field(default=2_000.0, gt=0)
    graphql_budget_refill_member: float = Field(default=1_000.0, gt=0)
    graphql_budget_refill_partner: float = Field(default=2_000.0, gt=0)
    graphql_budget_refill_operator: float = Field(default=5_000.0, gt=0)
    # Subscriptions over WebSocket (graphql-transport-ws on /graphql; docs/subscriptions.md)
    ws_max_subscriptions: int = Field(default=20, ge=1, le=1000)
    ws_connection_init_timeout: float = Field(default=10.0, gt=0, le=300, description="seconds")
    ws_keepalive_interval: float = Field(default=15.0, gt=0, le=3600, description="seconds")
    # permessage-deflate on WebSockets (`c2c-api serve`): off, as Node's `ws` has it by
    # default; a subscription's frames are small, and compressing each one for each connection
    # was the largest cost of a fan-out (docs/performance.md, issue 10).
    ws_compression: bool = False
    # Redis: pub/sub between processes (subscriptions) and shared query budgets; unset: an
    # in-process broker, and each process keeps its own budgets.
    redis_url: str | None = None
    # The longest one SQL statement may run (PostgreSQL statement_timeout; on SQLite a
    # progress handler interrupts it), in milliseconds; 0 disables.
    database_statement_timeout_ms: int = Field(default=5_000, ge=0, le=600_000)

    # Notification e-mails (docs/notifications.md): the web front end's public URL (links to a
    # conversation; unset: C2C_ISSUER), at most one e-mail per conversation thread per this many
    # minutes, how long an unsubscribe link works, and how long a member counts as connected
    # after their subscription connection's last heartbeat (an abrupt disconnect).
    public_web_url: str | None = None
    notification_coalesce_minutes: int = Field(default=15, ge=0, le=24 * 60)
    unsubscribe_link_ttl_days: int = Field(default=365, ge=1, le=3650)
    presence_ttl_seconds: int = Field(default=60, ge=3, le=3600, description="seconds")

    mailer: Literal["database", "smtp"] = "database"
    mail_from: str = "c2c-api <no-reply@localhost>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False

    # Outbox worker and timers (docs/worker.md). The API process runs a worker itself when
    # worker_in_process is true; unset, it does on SQLite (the embedded default) only.
    worker_in_process: bool | None = None
    worker_poll_interval: float = Field(default=1.0, gt=0, le=60, description="seconds")
    worker_batch_size: int = Field(default=50, ge=1, le=1000)
    # Events claimed per transaction (database-effect handlers commit together).
    worker_claim_batch: int = Field(default=10, ge=1, le=100)
    worker_lease_seconds: int = Field(default=60, ge=5, le=3600)
    outbox_max_attempts: int = Field(default=8, ge=1, le=100)
    outbox_retry_base_seconds: float = Field(default=10.0, gt=0, le=3600)
    outbox_retry_max_seconds: float = Field(default=3600.0, gt=0, le=86_400)
    # How long idempotency keys answer again (docs/idempotency.md); at least a day.
    idempotency_ttl_hours: int = Field(default=24, ge=24, le=24 * 90)
    # Saved searches evaluated per matching job (a published listing runs ceil(n / batch) jobs).
    saved_search_match_batch: int = Field(default=100, ge=1, le=1000)

    # Photos and storage (docs/photos.md)
    photo_max_bytes: int = Field(default=15 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    photo_max_pixels: int = Field(default=40_000_000, ge=10_000, le=100_000_000)
    photo_quality: int = Field(default=82, ge=30, le=100, description="WebP quality")
    photo_max_per_listing: int = Field(default=20, ge=1, le=100)
    storage_backend: Literal["local", "s3"] = "local"
    storage_local_path: Path = Path("var") / "media"
    storage_public_url: str | None = None
    storage_s3_bucket: str | None = None
    storage_s3_endpoint_url: str | None = None
    storage_s3_region: str = "us-east-1"
    storage_s3_access_key_id: str | None = None
    storage_s3_secret_access_key: str | None = None
    storage_s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    storage_s3_prefix: str = ""

    # Payments: the provider (docs/payments-provider.md). Only the built-in sandbox exists so far;
    # it is refused in production unless explicitly allowed (a demo deployment).
    payment_provider: Literal["sandbox"] = "sandbox"
    sandbox_allowed_in_production: bool = False
    sandbox_webhook_secret: str = DEV_SANDBOX_WEBHOOK_SECRET
    sandbox_webhook_delay_seconds: float = Field(default=2.0, ge=0, le=3600, description="seconds")
    # Fees (docs/payments-provider.md, "Fee schedule"): basis points (1/100 of a percent) and
    # fixed parts in hundredths of the currency's major unit (70 = 0.70 EUR, rounded to 1 JPY).
    fee_buyer_protection_bp: int = Field(default=500, ge=0, le=10_000)
    fee_buyer_protection_fixed: int = Field(default=70, ge=0, le=1_000_000)
    fee_seller_commission_bp: int = Field(default=0, ge=0, le=10_000)
    fee_seller_commission_fixed: int = Field(default=0, ge=0, le=1_000_000)
    fee_partner_share_bp: int = Field(default=0, ge=0, le=10_000)
    # Ratings (docs/ratings.md): the double-blind window after completion, and the prior of
    # the Bayesian average (a mean over so many pseudo-ratings).
    ratings_window_days: int = Field(default=14, ge=1, le=90)
    ratings_prior_mean: float = Field(default=4.5, ge=1, le=5)
    ratings_prior_weight: int = Field(default=5, ge=0, le=1000)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = True

    # Browser origins allowed to call the API (CORS), comma-separated; "*" allows any origin.
    # Tokens travel in the Authorization header, never in cookies, so no credentials mode.
    cors_origins: Annotated[list[str], NoDecode] = [
        "http://127.0.0.1:5173",
        "http://localhost:5173",
    ]

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_urls(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and not origin.startswith(("http://", "https://")):
                raise ValueError(f"{origin!r} is not an origin (scheme://host[:port]) or *")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "C2C_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
            )
        return value

    @field_validator("issuer")
    @classmethod
    def _issuer_is_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or value.endswith("/"):
            raise ValueError("C2C_ISSUER must be an http(s) URL without a trailing slash")
        return value

    @model_validator(mode="after")
    def _production_is_safe(self) -> Settings:
        if self.env == "production":
            if self.secret_key == "dev-insecure-secret-change-me" or len(self.secret_key) < 32:
                raise ValueError(
                    "C2C_SECRET_KEY must be set to 32+ random characters in production"
                )
            if not self.issuer.startswith("https://"):
                raise ValueError("C2C_ISSUER must be https:// in production")
            if self.payment_provider == "sandbox":
                if not self.sandbox_allowed_in_production:
                    raise ValueError(
                        "C2C_PAYMENT_PROVIDER=sandbox moves no real money: refused in production"
                        " unless C2C_SANDBOX_ALLOWED_IN_PRODUCTION=true (a demo deployment)"
                    )
                if (
                    self.sandbox_webhook_secret == DEV_SANDBOX_WEBHOOK_SECRET
                    or len(self.sandbox_webhook_secret) < 32
                ):
                    raise ValueError(
                        "C2C_SANDBOX_WEBHOOK_SECRET must be set to 32+ random characters in"
                        " production"
                    )
        return self

    @model_validator(mode="after")
    def _budgets_hold_a_request(self) -> Settings:
        for kind in ("anonymous", "member", "partner", "operator"):
            maximum = getattr(self, f"graphql_cost_max_{kind}")
            if getattr(self, f"graphql_budget_capacity_{kind}") < maximum:
                raise ValueError(
                    f"C2C_GRAPHQL_BUDGET_CAPACITY_{kind.upper()} must be at least "
                    f"C2C_GRAPHQL_COST_MAX_{kind.upper()} ({maximum})"
                )
        return self

    @model_validator(mode="after")
    def _storage_is_complete(self) -> Settings:
        if self.storage_backend == "s3" and not self.storage_s3_bucket:
            raise ValueError("C2C_STORAGE_S3_BUCKET is required when C2C_STORAGE_BACKEND=s3")
        if self.storage_public_url is not None and (
            not self.storage_public_url.startswith(("http://", "https://"))
            or self.storage_public_url.endswith("/")
        ):
            raise ValueError(
                "C2C_STORAGE_PUBLIC_URL must be an http(s) URL without a trailing slash"
            )
        return self

    @field_validator("public_web_url")
    @classmethod
    def _web_url(cls, value: str | None) -> str | None:
        if value and (not value.startswith(("http://", "https://")) or value.endswith("/")):
            raise ValueError("C2C_PUBLIC_WEB_URL must be an http(s) URL without a trailing slash")
        return value or None

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("C2C_REDIS_URL must start with redis://, rediss:// or unix://")
        return value or None

    @property
    def runs_worker_in_process(self) -> bool:
        """Whether `c2c-api serve` runs the outbox worker itself."""
        if self.worker_in_process is None:
            return self.is_sqlite
        return self.worker_in_process

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sync_database_url(self) -> str:
        """The same database through a synchronous driver (authlib runs in threads)."""
        if self.is_sqlite:
            return self.database_url.replace("sqlite+aiosqlite://", "sqlite+pysqlite://", 1)
        return self.database_url.replace("postgresql+asyncpg://", "postgresql+psycopg://", 1)


@lru_cache
def get_settings() -> Settings:
    """Settings from the environment (cached for the process)."""
    return Settings()


def format_settings_error(exc: Exception) -> str:
    """A readable, one-line-per-problem message for a pydantic ValidationError."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    lines = ["invalid configuration:"]
    for err in errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        name = f"C2C_{loc.upper()}" if loc else "configuration"
        lines.append(f"  {name}: {err.get('msg')}")
    return "\n".join(lines)
