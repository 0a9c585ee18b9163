"""All settings in one model, from the environment (KEEPER_*) or `.env`."""
from __future__ import annotations

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

OFFICIAL_API = "https://api.telegram.org"


class SettingsError(Exception):
    """Settings are missing or wrong; the message says which and how to fix them."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEEPER_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api: str = OFFICIAL_API
    channel_id: int | None = None
    channel_username: str | None = None
    chat_id: int | None = None
    log_chat_id: int | None = None
    db: str = "data/keeper.db"
    embedding_model: str | None = None  # None: the embedded multilingual default
    timezone: str = "Europe/Moscow"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    rules_text: str | None = None
    search_page_size: int = Field(5, ge=1, le=10)
    stale_message_seconds: float = Field(300.0, gt=0)  # older chat messages are not answered
    # content: papers paging, event reminders, weekly digest (in `timezone`)
    papers_page_size: int = Field(5, ge=1, le=10)
    reminder_offsets: list[int] = Field(default_factory=lambda: [86400, 3600])  # seconds before a start
    digest_enabled: bool = True
    digest_day: str = "sun"  # APScheduler day_of_week: mon..sun
    digest_time: str = "18:00"  # HH:MM

    @field_validator("reminder_offsets")
    @classmethod
    def _positive_offsets(cls, value: list[int]) -> list[int]:
        if any(v <= 0 for v in value):
            raise ValueError("reminder offsets are seconds before the start and must be positive")
        return sorted(set(value), reverse=True)

    @field_validator("digest_day")
    @classmethod
    def _known_day(cls, value: str) -> str:
        value = value.strip().lower()[:3]
        if value not in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
            raise ValueError("use a day like sun, mon, ... for the digest day")
        return value

    @field_validator("digest_time")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        import re

        m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
        if not m:
            raise ValueError("use HH:MM (24-hour) for the digest time, e.g. 18:00")
        return f"{int(m.group(1)):02d}:{m.group(2)}"
    # moderation (bot/routers/moderation); durations are in seconds unless named otherwise
    votekick_threshold: int = Field(5, ge=2)  # votes one side needs; never below 2
    votekick_ttl: int = Field(1800, ge=60)  # a vote closes as failed after this
    votekick_min_messages: int = Field(3, ge=0)  # messages needed to start or vote
    votekick_cooldown: int = Field(600, ge=0)  # per initiator, between two votes
    votekick_pause: int = Field(300, ge=0)  # chat-wide, after a successful kick
    votekick_outcome: str = "kick 24h"  # kick | mute | ban, optional duration ("ban", "mute 1d")
    votekick_sweep_seconds: float = Field(5.0, gt=0)  # how often expired votes are closed
    warn_limit: int = Field(3, ge=1)
    warn_action: str = "mute 24h"  # kick | mute | ban, optional duration
    warn_expiry_days: int = Field(30, ge=0)  # 0: warns never expire
    flood_messages: int = Field(5, ge=1)  # more than this many messages...
    flood_window: float = Field(10.0, gt=0)  # ...in this many seconds...
    flood_mute: int = Field(600, ge=60)  # ...mutes for this long (near 30 s Telegram may make it permanent)
    # the reply budget under abuse: per-person command limits (bot/middlewares/throttle.py), the send
    # queue's places kept for moderation (outgoing.py), merged reports (routers/moderation/reports.py)
    command_limit: int = Field(5, ge=0)  # commands a person gets answered in a group per window; 0: no limit
    command_limit_private: int = Field(20, ge=0)  # the same in a private chat with the bot
    press_limit: int = Field(30, ge=0)  # button presses a person gets acted on per window (admins: no limit)
    inline_limit: int = Field(60, ge=0)  # inline searches a person gets per window
    command_window: float = Field(60.0, gt=0)  # seconds; past a limit: told once, then ignored this long
    moderation_reserve: int = Field(5, ge=0, le=15)  # of ~20 sends a minute into a group, kept for moderation
    report_merge_seconds: float = Field(120.0, ge=0)  # reports this close share one log-chat post; 0: one each

    # newcomer anti-spam (bot/routers/spam): new until N messages written and D days in the chat
    spam_check: bool = True  # check newcomers' messages at all
    spam_newcomer_messages: int = Field(3, ge=0)  # N
    spam_newcomer_days: float = Field(7.0, ge=0)  # D
    spam_high: float = Field(0.8, gt=0, lt=1)  # from this score: delete, restrict, tell the admins
    spam_low: float = Field(0.5, gt=0, lt=1)  # from this score: keep the message, ask the admins

    @field_validator("spam_low")
    @classmethod
    def _spam_thresholds_in_order(cls, value: float, info: ValidationInfo) -> float:
        high = info.data.get("spam_high")
        if high is not None and value > high:
            raise ValueError(f"the lower spam threshold must not exceed KEEPER_SPAM_HIGH ({high})")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use a name like Europe/Moscow") from None
        return value

    @field_validator("channel_username")
    @classmethod
    def _strip_at(cls, value: str | None) -> str | None:
        return value.lstrip("@") or None if value else None

    @field_validator("votekick_outcome", "warn_action")
    @classmethod
    def _known_punishment(cls, value: str) -> str:
        from moderation.durations import DurationError, parse_duration
        from moderation.votes import Punishment

        kind, _, rest = value.strip().partition(" ")
        try:
            seconds = parse_duration(rest).seconds if rest.strip() else None
            Punishment(kind.lower(), seconds)
        except (DurationError, ValueError) as exc:
            raise ValueError(f"{value!r}: expected kick|mute|ban with an optional duration"
                             f" between 30s and 366d, e.g. 'mute 24h' ({exc})") from None
        return value.strip()

    def require_bot(self) -> None:
        """Check what the real bot needs; raise one clear message listing every problem."""
        problems = []
        token = self.bot_token.get_secret_value() if self.bot_token else ""
        if ":" not in token:
            problems.append("KEEPER_BOT_TOKEN is missing or malformed (expected 123456:ABC...)")
        if self.channel_id is None:
            problems.append("KEEPER_CHANNEL_ID is not set (the channel's id, e.g. -1001234567890)")
        if self.chat_id is None:
            problems.append("KEEPER_CHAT_ID is not set (the community chat's id)")
        if self.webhook_url and not self.webhook_secret:
            problems.append("KEEPER_WEBHOOK_SECRET is required with KEEPER_WEBHOOK_URL")
        if problems:
            raise SettingsError("Settings problem:\n  - " + "\n  - ".join(problems))


def load_settings(**overrides) -> Settings:
    """Settings from the environment, with overrides; errors become one SettingsError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = [f"KEEPER_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()]
        raise SettingsError("Settings problem:\n  - " + "\n  - ".join(lines)) from None
