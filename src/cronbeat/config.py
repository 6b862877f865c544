"""Configuration from the environment (CRONBEAT_*), overridable by command-line flags."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from cronbeat.notifiers import NotifyConfig



class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRONBEAT_", extra="ignore")

    data_dir: Path = Field(Path("cronbeat-data"), description="Where the SQLite database lives")
    database_url: str | None = Field(None, description="sqlite:///... or postgresql://...")
    host: str = Field("127.0.0.1", description="Address to listen on")
    port: int = Field(8000, ge=1, le=65535, description="Port to listen on")
    ping_smtp_port: int | None = Field(
        None, ge=1, le=65535, description="Port of the email ping listener; unset: off")
    base_url: str | None = Field(None, description="Public URL used in ping URLs")
    max_body: int = Field(100_000, ge=0, le=10_000_000, description="Bytes of ping body kept")
    ping_rate_limit: int = Field(
        600, ge=0, le=1_000_000,
        description="Pings a minute one ping URL may send before 429 (bursts up to as many); "
        "0: no limit",
    )
    token_overlap: int = Field(
        86400, ge=0, le=90 * 86400,
        description="Seconds a rotated ping token still works, by default",
    )
    ping_batch: int = Field(256, ge=1, le=10_000, description="Most pings committed at once")
    ping_keep: int = Field(100, ge=1, le=1_000_000, description="Pings kept per heartbeat")
    ping_max_age_days: float = Field(
        90, gt=0, le=36_500, description="Days after which a ping is deleted, however few"
    )
    ping_prune_every: float = Field(
        60.0, gt=0, le=86_400, description="Seconds between passes of the ping pruner"
    )
    worker_poll: float = Field(
        1.0, gt=0, le=60, description="Longest worker sleep when it runs in its own process"
    )
    delivery_lease: float = Field(
        60, ge=1, le=3600,
        description="Seconds a worker may hold a notification it is sending; past them (it "
        "died), another worker sends it again under the same idempotency key",
    )
    admin_email: str = Field("admin@localhost", description="Email of the first admin user")
    secret_key: str | None = Field(
        None, description="Signs acknowledge links; by default a key kept in the database"
    )
    smtp_host: str | None = Field(None, description="SMTP server for email; unset: no email")
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_from: str = Field("cronbeat@localhost", description="From address of emails")
    log_level: str = Field("info", description="debug, info, warning or error")

    def ping_max_age(self) -> timedelta:
        return timedelta(days=self.ping_max_age_days)

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir.resolve() / 'cronbeat.db'}"

    def resolved_base_url(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"

    def notify_config(self) -> NotifyConfig:
        # Imported here: the notifiers pull in apprise, which the CLI should not pay for.
        from cronbeat.notifiers import NotifyConfig, SmtpConfig

        return NotifyConfig(smtp=SmtpConfig(
            host=self.smtp_host or "", port=self.smtp_port, username=self.smtp_username,
            password=self.smtp_password, security=self.smtp_security, sender=self.smtp_from,
        ))
