"""Every MYTHQA_* variable in one settings object: its default, its meaning, why it has that value, and where data lives."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

log = logging.getLogger("mythqa.settings")
PREFIX = "MYTHQA_"
ROOT = Path(__file__).resolve().parents[1]  # the checkout: eval/reviewed.jsonl lives here unless MYTHQA_REVIEWED moves it
_FROZEN = ConfigDict(frozen=True, validate_by_name=True, validate_by_alias=True)


def _api(name: str) -> Any:
    """A field of the API's named MYTHQA_API_<NAME> in the environment and ``name`` in code."""
    return AliasChoices(name, f"{PREFIX}API_{name.upper()}")


class Places(BaseModel):
    """Where data lives: every store beside the feedback database, and that beside the index folder.

    Never inside the index folder: ingestion replaces what is inside. Each store may be moved on its own."""

    model_config = _FROZEN
    index: Path = Field(Path("index"), description="The index folder `make index` builds and every command reads (or `--index`).")
    corpus: Path = Field(Path("corpus"), description="The folder of myth texts ingestion reads (or `--corpus`).")
    cache: Path | None = Field(
        None, description="Derived model files kept between builds; default $XDG_CACHE_HOME/mythqa or ~/.cache/mythqa."
    )
    feedback_db: Path | None = Field(None, description="The votes' SQLite file; default `feedback.sqlite3` beside the index folder.")
    conversations_db: Path | None = Field(
        None, description="Conversations' SQLite file; default `conversations.sqlite3` beside the feedback database."
    )
    api_keys_db: Path | None = Field(
        None, description="API key hashes' SQLite file; default `api_keys.sqlite3` beside the feedback database."
    )
    operator_token_file: Path | None = Field(None, description="The operator token; default `operator.token` beside the feedback database.")
    reviewed: Path | None = Field(
        None, description="Questions evaluators accepted from votes; default `eval/reviewed.jsonl` in the checkout."
    )
    database_url: str | None = Field(
        None, description="A PostgreSQL URL: every store of every replica lives there instead of SQLite files."
    )
    operator: bool = Field(True, description="0 turns operator powers (server paths, rebuilds) off for everyone, token or not.")

    def feedback_path(self, index: Path | None = None) -> Path:
        return Path(self.feedback_db or Path(index or self.index).resolve().parent / "feedback.sqlite3")

    def data_dir(self, index: Path | None = None) -> Path:
        """The folder every store defaults to: the feedback database's."""
        return self.feedback_path(index).parent

    def conversations_path(self, index: Path | None = None) -> Path:
        return Path(self.conversations_db or self.data_dir(index) / "conversations.sqlite3")

    def api_keys_path(self, index: Path | None = None) -> Path:
        return Path(self.api_keys_db or self.data_dir(index) / "api_keys.sqlite3")

    def token_path(self, index: Path | None = None) -> Path:
        return Path(self.operator_token_file or self.data_dir(index) / "operator.token")

    def reviewed_path(self) -> Path:
        return Path(self.reviewed or ROOT / "eval" / "reviewed.jsonl")

    def cache_path(self) -> Path:
        return Path(self.cache or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mythqa")


class Limits(BaseModel):
    """What a public server holds per visitor and in all; the conversation store keeps the ones on stored conversations."""

    model_config = _FROZEN
    # A reader asks a question every few seconds at most; 20 a minute stops a script without slowing a person.
    questions_per_minute: int = Field(20, ge=0, description="Questions one visitor may ask a minute.")
    votes_per_minute: int = Field(30, ge=0, description="Votes one visitor may cast a minute.")
    # For every visitor together: new visitors (a script dropping its cookie) cannot multiply the per-visitor limits.
    # 300 questions a minute is what this 2-core machine answers with both models at about a third of its time.
    questions_per_minute_total: int = Field(300, ge=0, description="Questions all visitors together may ask a minute.")
    votes_per_minute_total: int = Field(600, ge=0, description="Votes all visitors together may cast a minute.")
    # A person starts a conversation every few minutes at most, while one client needs 1,000 hours at this pace to push
    # everyone's conversations out of the total below.
    conversations_per_hour: int = Field(20, ge=0, description="New conversations per client (see MYTHQA_TRUSTED_PROXY) an hour.")
    conversations_per_visitor: int = Field(200, ge=0, description="Conversations one visitor keeps.")
    # ~400 MB of SQLite at 20 kB a conversation (5,000 measured 93 MB with long ones). Reaching it refuses nobody: a new
    # conversation evicts the least recently used one (store.conversations).
    conversations_total: int = Field(20_000, ge=0, description="Conversations kept in all; the least recently used go first.")
    turns_per_conversation: int = Field(1_000, ge=0, description="Turns one conversation keeps.")
    retention_days: float = Field(
        90.0, ge=0, allow_inf_nan=False, description="Days an untouched conversation is kept; 0 keeps it forever."
    )
    # Anyone can send X-Forwarded-For, so 0 trusts none and the app throttles per visitor (deploy/nginx.conf adds 1).
    trusted_proxy: int = Field(0, ge=0, description="Reverse proxies in front of the app appending the client to X-Forwarded-For.")


class VoteLimits(BaseModel):
    """How long and how many votes the store keeps."""

    model_config = _FROZEN
    # Evaluators review within weeks, and a year-old vote is about an answer of an index replaced many times since.
    vote_retention_days: float = Field(365.0, ge=0, allow_inf_nan=False, description="Days a vote nobody accepted is kept; 0 keeps it.")
    # 10x a 2,000-vote backlog, and about 42 MB at the 2.1 kB a vote with five sources measured in SQLite.
    waiting_votes_max: int = Field(20_000, ge=0, description="Unreviewed votes kept; the oldest go first.")


class WriteSettings(BaseModel):
    """How long a store write may hold up the page, and how long a busy store's write is retried behind it."""

    model_config = _FROZEN
    # A write takes milliseconds; a burst of 200 votes at once cleared in under 2 s, so nearly all of a burst lands at once.
    store_busy_seconds: float = Field(
        1.0,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="Seconds an answer or vote waits for another writer's lock before the page goes on.",
    )
    # A backup or an operator's sqlite3 shell holds the lock for seconds to a minute; past it the write is logged as lost.
    store_retry_seconds: float = Field(
        120.0, ge=0, allow_inf_nan=False, description="Seconds a held-up write is retried in the background."
    )
    # Short enough that a write lands soon after the lock is freed, long enough not to spin.
    store_retry_pause: float = Field(0.25, gt=0, le=60, allow_inf_nan=False, description="Seconds between those retries.")


class ApiSettings(BaseModel):
    """What the HTTP API holds (environment names MYTHQA_API_*)."""

    model_config = _FROZEN
    workers: int = Field(2, ge=1, validation_alias=_api("workers"), description="Answering threads; each answer holds one.")
    queue: int = Field(64, ge=0, validation_alias=_api("queue"), description="Requests waiting for a worker; past it 503 busy.")
    requests_per_minute: int = Field(
        60, ge=0, validation_alias=_api("requests_per_minute"), description="Requests per API key a minute; 0 turns it off."
    )
    # A person retyping a key fails a few times; past it a guesser waits out the minute (at most 14,400 tries a day).
    failed_keys_per_minute: int = Field(
        10, ge=0, validation_alias=_api("failed_keys_per_minute"), description="Wrong keys per client address a minute; 0 turns it off."
    )
    # A head is under 1 KiB and real clients send it at once: 10 s frees a socket that sends nothing.
    head_timeout: float = Field(
        10.0,
        ge=0.1,
        le=3600,
        allow_inf_nan=False,
        validation_alias=_api("head_timeout"),
        description="Seconds to send a whole request head.",
    )
    # The longest body takes about 9 s at 56 kbit/s; a body trickled byte by byte is cut off.
    body_timeout: float = Field(
        20.0,
        ge=0.1,
        le=3600,
        allow_inf_nan=False,
        validation_alias=_api("body_timeout"),
        description="Seconds to send a whole body once the head arrived.",
    )
    # 64 KiB holds the longest question (qa.question.MAX_QUESTION_CHARS, even \u-escaped) with a previous turn beside it.
    max_body_bytes: int = Field(64 * 1024, ge=1024, validation_alias=_api("max_body_bytes"), description="Largest request body read.")
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        (), validation_alias=_api("cors_origins"), description="Comma-separated origins browsers may call from; empty sends no CORS header."
    )
    require_keys: bool = Field(
        False,
        validation_alias=_api("require_keys"),
        description="Ask for keys even on loopback (a proxy on this machine forwards everyone).",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return tuple(o.strip() for o in value.split(",") if o.strip()) if isinstance(value, str) else value


class Answering(BaseModel):
    """How the query encoders run in this process."""

    model_config = _FROZEN
    # An idle onnxruntime thread spins for the next piece of work. Measured with bench.serve (2 cores, loads 2.6-3.7): off,
    # one asker waits 4-6 ms more (p50 ~51 -> ~56 ms) while 4-16 askers at once get 19-21 -> 21-24 questions/s.
    query_spinning: bool = Field(
        True, description="0 lets idle encoder threads sleep: a little slower for one asker, more answers/s for many."
    )


class Settings(BaseSettings, Answering, ApiSettings, WriteSettings, VoteLimits, Limits, Places):  # fields in reverse: Places first
    """Everything read from the environment by ``load``; built directly (tests), it holds the defaults and what is given."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, frozen=True, extra="ignore", env_ignore_empty=True, validate_by_name=True, validate_by_alias=True
    )

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings):
        # Only what is given: ``load`` gives the environment it is handed, so a test's mapping is never mixed with os.environ.
        return (init_settings,)


def variable(name: str) -> str:
    """The environment variable of a field of ``Settings``."""
    alias = Settings.model_fields[name].validation_alias
    return alias.choices[-1] if isinstance(alias, AliasChoices) else f"{PREFIX}{name.upper()}"


class _Mapping(EnvSettingsSource):
    """The environment source reading a given mapping instead of os.environ (tests, a subprocess's planned environment)."""

    def __init__(self, settings_cls, environ: Mapping[str, str]):
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


def _build(environ: Mapping[str, str]) -> Settings:
    return Settings(**_Mapping(Settings, environ)())


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings from ``environ`` (default os.environ). A value that cannot be read keeps its default, logged with
    what was expected: a typo in one limit must not stop a server that answers everyone."""
    environ = os.environ if environ is None else environ
    # Read on every page run and store call: the same variables give the same (frozen) object, built once (~3 ms).
    return _load(tuple(sorted((k, v) for k, v in environ.items() if k.upper().startswith(PREFIX))))


@lru_cache(maxsize=32)
def _load(mine: tuple[tuple[str, str], ...]) -> Settings:
    environ = dict(mine)
    try:
        return _build(environ)
    except ValidationError as e:
        bad = {str(err["loc"][0]) for err in e.errors()}
        names = {variable(n) if n in Settings.model_fields else n for n in bad}
        for name in sorted(names):
            log.warning("%s=%r cannot be read: its default is used (see docs/operators.md)", name, environ.get(name))
        return _build({k: v for k, v in environ.items() if k.upper() not in names})


def _shown(value: Any) -> str:
    if value is None or value == ():
        return "—"
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        value = int(value)
    return f"`{value}`"


def markdown() -> str:
    """The operators' table of every variable, by the part that reads it (docs/operators.md carries it; a test compares)."""
    rows = []
    for part in (Places, Limits, VoteLimits, WriteSettings, ApiSettings, Answering):
        rows += [f"**{part.__doc__.splitlines()[0]}**", "", "| variable | default | meaning |", "|---|---|---|"]
        rows += [f"| `{variable(n)}` | {_shown(f.default)} | {f.description} |" for n, f in part.model_fields.items()]
        rows.append("")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown(), end="")
