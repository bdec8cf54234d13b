"""The composition root: `create_app(settings)` builds everything; nothing is built at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.compat import (
    CachingBotFrameworkAuthentication,
    RetrySettings,
    SendPacer,
    TeamsCloudAdapter,
    patch_msrest_retry_policy,
    patch_turn_context_copy,
)
from bot.consultant_side import CONSULTANT_SIDE, ConsultantSide
from bot.http import ADAPTER, BOT, ENGINE, healthz, messages, security_headers
from bot.logging_setup import correlation_id
from bot.migrations import migrate_in_child
from bot.proactive import Proactive
from bot.settings import ConfigurationError, Settings
from bot.state import DialogStateStore
from bot.teams_bot import DIALOG_STATE_PREFIX, TeamsBot
from bot.training_files import FILES, serve_file
from bot.training_setup import TRAINING, TRAINING_DELIVERY, TRAINING_SENDER, build_training
from bot.workers import Job, Workers
from dialogs.i18n import default_catalogue
from dialogs.main_dialog import MainDialog
from dialogs.my_data_dialog import MyDataDialog
from dialogs.my_referrals_dialog import MyReferralsDialog
from dialogs.referral.referral_dialog import ReferralDialog
from dialogs.statistics_dialog import StatisticsDialog
from domain.retention import months_before
from domain.routing import DEFAULT_RULES_PATH, RuleTable, load_rules
from domain.statistics import Headline, Period
from storage import retention
from storage.activities import ProcessedActivities
from storage.bot_state import SqlStorage, delete_stale
from storage.conversations import ConversationReferences
from storage.crypto import Cipher, cipher_from, development_cipher
from storage.engine import create_engine
from storage.referrals import Referrals
from storage.turn_start import TurnStarts

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
HTTP_SESSION = web.AppKey("http_session", aiohttp.ClientSession)
REFERENCES = web.AppKey("references", ConversationReferences)
REFERRALS = web.AppKey("referrals", Referrals)
RULES = web.AppKey("rules", RuleTable)
WORKERS = web.AppKey("workers", Workers)
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
PROACTIVE = web.AppKey("proactive", Proactive)


def build_adapter(
    settings: Settings, session: aiohttp.ClientSession
) -> tuple[CloudAdapter, CachingBotFrameworkAuthentication]:
    patch_msrest_retry_policy()
    patch_turn_context_copy()
    authentication = CachingBotFrameworkAuthentication(
        ConfigurationBotFrameworkAuthentication(settings),
        session,
        RetrySettings(
            max_attempts=settings.send_max_attempts,
            max_delay=settings.send_max_backoff_seconds,
            budget=settings.send_retry_budget_seconds,
            pacer=SendPacer(settings.send_rate_per_second),
        ),
    )
    return TeamsCloudAdapter(authentication), authentication


def load_routing_rules(settings: Settings) -> RuleTable:
    """Read the staff-editable routing table; a malformed one stops the start (RuleTableError
    names the line)."""
    return load_rules(
        Path(settings.routing_rules_path) if settings.routing_rules_path else DEFAULT_RULES_PATH
    )


def build_cipher(settings: Settings) -> Cipher:
    if settings.data_encryption_keys and settings.pseudonym_key:
        return cipher_from(settings.data_encryption_keys, settings.pseudonym_key)
    if not settings.development:
        raise ConfigurationError("DATA_ENCRYPTION_KEYS and PSEUDONYM_KEY are required")
    return development_cipher(Path(settings.data_dir))


def headline_figures(engine: AsyncEngine) -> Callable[[Period, datetime], Awaitable[Headline]]:
    """The statistics card's figures, from the annual report's code, imported on the first
    request: admins ask a few times a year, and the serving process need not carry the report
    code until then (docs/performance.md, fix 4)."""

    async def headline(period: Period, now: datetime) -> Headline:
        from annual_report.figures import headline_source

        return await headline_source(engine)(period, now)

    return headline


def utc_now() -> datetime:
    return datetime.now(UTC)


def housekeeping_jobs(
    settings: Settings, engine: AsyncEngine, processed: ProcessedActivities
) -> list[Job]:
    drafts_for = timedelta(days=settings.draft_retention_days)

    async def delete_abandoned_drafts(now: datetime) -> int:
        return await delete_stale(engine, prefix=DIALOG_STATE_PREFIX, older_than=now - drafts_for)

    async def forget_old_activity_ids(now: datetime) -> int:
        return await processed.prune(older_than=timedelta(days=1), now=now)

    async def reduce_closed_referrals(now: datetime) -> int:
        return await retention.reduce_closed_referrals(
            engine,
            closed_before=months_before(now, settings.closed_referral_retention_months),
            now=now,
            delete_all=settings.closed_referral_retention_action == "delete",
        )

    async def delete_old_audit(now: datetime) -> int:
        return await retention.delete_old_audit(
            engine, before=months_before(now, settings.audit_retention_months)
        )

    return [
        Job("delete_abandoned_drafts", delete_abandoned_drafts, interval_seconds=3600),
        Job("forget_old_activity_ids", forget_old_activity_ids, interval_seconds=3600),
        Job("reduce_closed_referrals", reduce_closed_referrals, 6 * 3600, batch_size=500),
        Job("delete_old_audit", delete_old_audit, 6 * 3600, batch_size=5000),
    ]


def create_app(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> web.Application:
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=[security_headers])
    app[SETTINGS] = settings
    app[RULES] = load_routing_rules(settings)
    app[CLOCK] = clock
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/files/{token}", serve_file)
    app.cleanup_ctx.append(_resources)
    return app


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    engine = create_engine(settings.effective_database_url)
    if settings.migrate_on_start:
        await migrate_in_child(settings)  # Alembic stays out of this process (fix 4)
    session = aiohttp.ClientSession()
    adapter, authentication = build_adapter(settings, session)
    catalogue = default_catalogue()
    references = ConversationReferences(engine)
    processed = ProcessedActivities(engine)
    cipher = build_cipher(settings)
    referrals = Referrals(engine, cipher)
    clock = app[CLOCK]
    consultant = ConsultantSide.build(
        settings=settings,
        engine=engine,
        adapter=adapter,
        cipher=cipher,
        catalogue=catalogue,
        references=references,
        rules=app[RULES],
        clock=clock,
    )
    referrals.on_outbox = consultant.wake
    training = build_training(
        settings,
        engine=engine,
        cipher=cipher,
        catalogue=catalogue,
        clock=clock,
        wake=lambda: app[WORKERS].wake(),
    )
    dialog = MainDialog(
        catalogue,
        referral=ReferralDialog(
            catalogue,
            app[RULES],
            referrals,
            clock=clock,
            draft_retention=timedelta(days=settings.draft_retention_days),
        ),
        my_referrals=MyReferralsDialog(catalogue, referrals, clock=clock),
        consultant=consultant.dialog,
        training=training.dialog,
        statistics=StatisticsDialog(
            catalogue,
            roles=consultant.roles,
            figures=headline_figures(engine),
            clock=clock,
            audit=consultant.audit,
        ),
        my_data=MyDataDialog(catalogue, referrals, training.training, clock=clock),
    )
    storage = SqlStorage(engine, cipher, clock)
    bot = TeamsBot(
        catalogue=catalogue,
        dialog=dialog,
        states=DialogStateStore(storage),
        references=references,
        processed=processed,
        turn_starts=TurnStarts(engine, processed, storage),
        default_language=settings.default_locale,
        served_tenants=settings.served_tenants,
        pseudonym=cipher.pseudonym,
    )

    async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        code = correlation_id.get()
        log.error(
            "turn.failed",
            exc_info=(type(error), error, error.__traceback__),
            extra={"activity_type": turn_context.activity.type},
        )
        try:
            await bot.apologise(turn_context, code)
        except Exception:
            log.exception("turn.apology_failed")

    adapter.on_turn_error = on_turn_error
    app[ENGINE] = engine
    app[ADAPTER] = adapter
    app[BOT] = bot
    app[HTTP_SESSION] = session
    app[REFERENCES] = references
    app[REFERRALS] = referrals
    app[PROACTIVE] = Proactive(adapter, references, settings.app_id)
    workers = Workers(clock)
    for job in housekeeping_jobs(settings, engine, processed):
        workers.add(job)
    for job in consultant.jobs():
        workers.add(job)
    app[TRAINING] = training.training
    app[TRAINING_DELIVERY] = training.delivery
    app[FILES] = training.files
    app[TRAINING_SENDER] = training.sender(
        settings, references=references, proactive=app[PROACTIVE], catalogue=catalogue
    )
    for job in app[TRAINING_SENDER].jobs():
        workers.add(job)
    consultant.wake_with(workers.wake)
    app[CONSULTANT_SIDE] = consultant
    app[WORKERS] = workers
    if settings.workers_enabled:
        workers.start()
    if settings.development:
        log.warning(
            "startup.development_mode", extra={"authentication": "off", "bind": "127.0.0.1"}
        )
    log.info("startup.ready", extra={"database": engine.dialect.name})
    try:
        yield
    finally:
        await workers.stop()
        authentication.close()
        await session.close()
        await engine.dispose()
