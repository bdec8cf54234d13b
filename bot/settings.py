"""The bot's configuration: one pydantic-settings class, read from the environment.

Environment names follow the Bot Framework conventions (`MicrosoftAppId`, ...) so that an
Azure App Service configured from Microsoft's samples works unchanged. Without an app id the
bot runs in development mode: loopback only, authentication off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("data") / "bot.sqlite3"

# Values people paste from samples and templates; accepting them in production would mean
# running with a secret everyone knows.
_PLACEHOLDERS = frozenset(
    {
        "",
        "changeme",
        "change-me",
        "secret",
        "password",
        "placeholder",
        "<secret>",
        "<password>",
        "your-password",
        "your-app-password",
        "xxx",
        "todo",
    }
)


class ConfigurationError(ValueError):
    """Raised at start-up when the configuration cannot run safely."""


class Settings(BaseSettings):
    """Every setting the bot reads. The README has the table; keep the two in step."""

    model_config = SettingsConfigDict(
        env_file=None, extra="ignore", populate_by_name=True, frozen=True
    )

    app_id: str = Field("", validation_alias=AliasChoices("MicrosoftAppId", "app_id"))
    app_password: str = Field(
        "", validation_alias=AliasChoices("MicrosoftAppPassword", "app_password")
    )
    app_type: Literal["SingleTenant", "MultiTenant", "UserAssignedMSI"] = Field(
        "SingleTenant", validation_alias=AliasChoices("MicrosoftAppType", "app_type")
    )
    app_tenant_id: str = Field(
        "", validation_alias=AliasChoices("MicrosoftAppTenantId", "app_tenant_id")
    )
    database_url: str = Field("", validation_alias=AliasChoices("DATABASE_URL", "database_url"))
    port: int = Field(3978, ge=1, le=65535, validation_alias=AliasChoices("PORT", "port"))
    host: str = Field("", validation_alias=AliasChoices("HOST", "host"))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias=AliasChoices("LOG_LEVEL", "log_level")
    )
    default_locale: Literal["da", "en"] = Field(
        "da", validation_alias=AliasChoices("DEFAULT_LOCALE", "default_locale")
    )
    max_body_bytes: int = Field(
        256 * 1024, ge=1024, validation_alias=AliasChoices("MAX_BODY_BYTES", "max_body_bytes")
    )
    # Outbound retries (bot.compat.RetryPolicy): bounded by time, with a ceiling of attempts.
    send_max_attempts: int = Field(
        10, ge=1, le=20, validation_alias=AliasChoices("SEND_MAX_ATTEMPTS", "send_max_attempts")
    )
    send_retry_budget_seconds: float = Field(
        10.0,
        gt=0,
        le=60,
        validation_alias=AliasChoices("SEND_RETRY_BUDGET_SECONDS", "send_retry_budget_seconds"),
    )
    send_rate_per_second: float = Field(
        30.0,
        gt=0,
        le=50,
        validation_alias=AliasChoices("SEND_RATE_PER_SECOND", "send_rate_per_second"),
    )
    send_max_backoff_seconds: float = Field(
        30.0,
        gt=0,
        validation_alias=AliasChoices("SEND_MAX_BACKOFF_SECONDS", "send_max_backoff_seconds"),
    )
    data_encryption_keys: str = Field(
        "", validation_alias=AliasChoices("DATA_ENCRYPTION_KEYS", "data_encryption_keys")
    )
    pseudonym_key: str = Field("", validation_alias=AliasChoices("PSEUDONYM_KEY", "pseudonym_key"))
    data_dir: str = Field("data", validation_alias=AliasChoices("DATA_DIR", "data_dir"))
    draft_retention_days: int = Field(
        30, ge=1, validation_alias=AliasChoices("DRAFT_RETENTION_DAYS", "draft_retention_days")
    )
    routing_rules_path: str = Field(
        "", validation_alias=AliasChoices("ROUTING_RULES_PATH", "routing_rules_path")
    )
    allowed_tenant_ids: str = Field(
        "", validation_alias=AliasChoices("ALLOWED_TENANT_IDS", "allowed_tenant_ids")
    )
    bot_openid_metadata_url: str = Field(
        "", validation_alias=AliasChoices("BOT_OPENID_METADATA_URL", "bot_openid_metadata_url")
    )
    closed_referral_retention_months: int = Field(
        12,
        ge=1,
        validation_alias=AliasChoices(
            "CLOSED_REFERRAL_RETENTION_MONTHS", "closed_referral_retention_months"
        ),
    )
    closed_referral_retention_action: Literal["reduce", "delete"] = Field(
        "reduce",
        validation_alias=AliasChoices(
            "CLOSED_REFERRAL_RETENTION_ACTION", "closed_referral_retention_action"
        ),
    )
    audit_retention_months: int = Field(
        36, ge=1, validation_alias=AliasChoices("AUDIT_RETENTION_MONTHS", "audit_retention_months")
    )
    workers_enabled: bool = Field(
        True, validation_alias=AliasChoices("WORKERS_ENABLED", "workers_enabled")
    )
    migrate_on_start: bool = Field(
        True, validation_alias=AliasChoices("MIGRATE_ON_START", "migrate_on_start")
    )
    # The consultant side (docs/consultants.md).
    admin_aad_object_ids: str = Field(
        "", validation_alias=AliasChoices("ADMIN_AAD_OBJECT_IDS", "admin_aad_object_ids")
    )
    consultant_names_visible_to_employees: str = Field(
        "",
        validation_alias=AliasChoices(
            "CONSULTANT_NAMES_VISIBLE_TO_EMPLOYEES", "consultant_names_visible_to_employees"
        ),
    )
    reminder_working_days: int = Field(
        1, ge=1, validation_alias=AliasChoices("REMINDER_WORKING_DAYS", "reminder_working_days")
    )
    escalation_working_days: int = Field(
        3, ge=1, validation_alias=AliasChoices("ESCALATION_WORKING_DAYS", "escalation_working_days")
    )
    outbox_retry_base_seconds: float = Field(
        30.0,
        gt=0,
        validation_alias=AliasChoices("OUTBOX_RETRY_BASE_SECONDS", "outbox_retry_base_seconds"),
    )
    outbox_retry_max_seconds: float = Field(
        3600.0,
        gt=0,
        validation_alias=AliasChoices("OUTBOX_RETRY_MAX_SECONDS", "outbox_retry_max_seconds"),
    )
    roster_cache_seconds: float = Field(
        300.0, ge=0, validation_alias=AliasChoices("ROSTER_CACHE_SECONDS", "roster_cache_seconds")
    )
    # The training side (docs/training.md). Organisers are the admins above.
    public_base_url: str = Field(
        "", validation_alias=AliasChoices("PUBLIC_BASE_URL", "public_base_url")
    )
    announce_rate_per_second: float = Field(
        30.0,
        gt=0,
        le=50,
        validation_alias=AliasChoices("ANNOUNCE_RATE_PER_SECOND", "announce_rate_per_second"),
    )
    calendar_organiser_email: str = Field(
        "", validation_alias=AliasChoices("CALENDAR_ORGANISER_EMAIL", "calendar_organiser_email")
    )

    @property
    def development(self) -> bool:
        """No app id: nobody can authenticate to us, so we must not be reachable."""
        return not self.app_id

    @property
    def bind_host(self) -> str:
        if self.development:
            return "127.0.0.1"
        return self.host or "0.0.0.0"  # noqa: S104 - production listens behind App Service

    @property
    def served_tenants(self) -> frozenset[str]:
        """Entra tenants the bot serves; empty means any (development only)."""
        listed = {item.strip() for item in self.allowed_tenant_ids.split(",") if item.strip()}
        if not listed and self.app_tenant_id:
            listed = {self.app_tenant_id}
        return frozenset(listed)

    @property
    def admin_ids(self) -> frozenset[str]:
        """Entra object ids of the admins (lower case): they register unit channels and keep
        the consultant lists, the resource panel and the audit."""
        return _comma_set(self.admin_aad_object_ids)

    @property
    def units_naming_consultants(self) -> frozenset[str]:
        """Units whose employees are told the claiming consultant's name, not only the role."""
        return _comma_set(self.consultant_names_visible_to_employees)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"

    def environment(self) -> dict[str, str]:
        """Every setting under the environment name that sets it (the first alias): how a
        child process (`python -m bot migrate`, run at start) gets exactly this configuration,
        also when it was built in code rather than read from the environment."""
        variables: dict[str, str] = {}
        for name, field in type(self).model_fields.items():
            alias = field.validation_alias
            key = str(alias.choices[0]) if isinstance(alias, AliasChoices) else name
            value = getattr(self, name)
            variables[key] = str(value).lower() if isinstance(value, bool) else str(value)
        return variables

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.development:
            return self
        needs_password = self.app_type != "UserAssignedMSI"
        if needs_password and self.app_password.strip().lower() in _PLACEHOLDERS:
            raise ConfigurationError(
                "MicrosoftAppPassword is empty or a placeholder while MicrosoftAppId is set. "
                "Set the client secret of the Azure bot registration, or unset MicrosoftAppId "
                "to run in development mode."
            )
        if not self.data_encryption_keys or not self.pseudonym_key:
            raise ConfigurationError(
                "DATA_ENCRYPTION_KEYS and PSEUDONYM_KEY are required when MicrosoftAppId is set: "
                "referrals are encrypted at rest. Generate them with `python -m bot new-key`."
            )
        if self.app_type != "MultiTenant" and not self.app_tenant_id:
            raise ConfigurationError(
                f"MicrosoftAppTenantId is required when MicrosoftAppType is {self.app_type}."
            )
        return self

    # The SDK reads its configuration by attribute name (APP_ID, ...); these properties let
    # this class be passed to ConfigurationBotFrameworkAuthentication directly.
    @property
    def APP_ID(self) -> str:
        return self.app_id

    @property
    def APP_PASSWORD(self) -> str:
        return self.app_password

    @property
    def APP_TYPE(self) -> str:
        # The SDK insists on an app id for single-tenant bots; development mode has none and
        # runs unauthenticated, which the SDK calls "MultiTenant without an id".
        return "MultiTenant" if self.development else self.app_type

    @property
    def APP_TENANTID(self) -> str:
        return self.app_tenant_id

    # Only tests set BOT_OPENID_METADATA_URL (keys generated on loopback). Setting it switches
    # the SDK to its "parameterized" mode, which then needs the public-cloud values spelled out.
    @property
    def TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL(self) -> str | None:
        return self.bot_openid_metadata_url or None

    @property
    def TO_BOT_FROM_CHANNEL_TOKEN_ISSUER(self) -> str | None:
        return "https://api.botframework.com" if self.bot_openid_metadata_url else None

    @property
    def TO_CHANNEL_FROM_BOT_LOGIN_URL(self) -> str | None:
        if not self.bot_openid_metadata_url:
            return None
        return f"https://login.microsoftonline.com/{self.app_tenant_id or 'botframework.com'}"

    @property
    def TO_CHANNEL_FROM_BOT_OAUTH_SCOPE(self) -> str | None:
        return "https://api.botframework.com" if self.bot_openid_metadata_url else None


def _comma_set(text: str) -> frozenset[str]:
    return frozenset(item.strip().lower() for item in text.split(",") if item.strip())


def load_settings() -> Settings:
    """Read the settings, turning pydantic's validation report into one clear message."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        messages = []
        for error in exc.errors():
            ctx_error = error.get("ctx", {}).get("error")
            if isinstance(ctx_error, ConfigurationError):
                messages.append(str(ctx_error))
            else:
                where = ".".join(str(part) for part in error["loc"]) or "settings"
                messages.append(f"{where}: {error['msg']}")
        raise ConfigurationError("; ".join(messages)) from None
