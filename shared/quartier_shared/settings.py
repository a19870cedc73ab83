"""Settings every service reads from its environment (prefix ``QUARTIER_``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUARTIER_", extra="ignore")

    service_name: str = "quartier"
    http_host: str = "127.0.0.1"
    http_port: int = 8000

    db_host: str = "127.0.0.1"
    db_port: int = 55432
    db_name: str = "quartier"
    db_user: str = ""
    db_password: SecretStr = SecretStr("")
    db_pool_min: int = 1
    db_pool_max: int = 10

    kafka_bootstrap: str = "127.0.0.1:19092"
    # A prefix on every topic name lets test runs share one broker without seeing each other's events.
    topic_prefix: str = ""
    # Topic layout for this deployment; production with three brokers raises the replication factor.
    topic_replication_factor: int = 1

    relay_enabled: bool = True
    relay_batch_size: int = 200
    consumer_max_attempts: int = Field(default=3, ge=1)
    log_level: str = "INFO"

    @property
    def db_schema(self) -> str:
        """Each service owns one Postgres schema named after it."""
        return self.service_name

    @property
    def db_role(self) -> str:
        return self.db_user or f"quartier_{self.service_name}"
