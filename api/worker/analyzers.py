"""Which analyzer a worker process uses: the trained one (``cocreate.loaders.load_analyzer``), or the one
``COCREATE_ANALYZER_FACTORY`` names (``module:callable``, called with the settings; an extension point
for another model, and how the tests plug in their fast stand-in, ``tests/stand_ins.py``)."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable

from cocreate.settings import Settings

_lock = threading.Lock()
_cache: dict[tuple, object] = {}


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


def get_analyzer(settings: Settings):
    """The process-wide analyzer (loaded once, on first use). In embedded mode (the queue inside the API
    process) the trained analyzer runs in a child process (``api/worker/analysis_process.py``) unless
    ``COCREATE_ANALYSIS_PROCESS=0``."""
    from api.worker import broker

    in_child_process = settings.analysis_process and broker.embedded()
    key = (settings.analyzer_factory, str(settings.analyzer_dir), in_child_process)
    with _lock:
        if key not in _cache:
            factory = analyzer_factory(settings)
            if factory is not None:
                an = factory(settings)
            elif in_child_process:
                from api.worker.analysis_process import ProcessAnalyzer

                an = ProcessAnalyzer(settings, nice=settings.analysis_process_nice)
                an.start()
            else:
                from cocreate.loaders import load_analyzer

                an = load_analyzer(settings)
            _cache[key] = an
        return _cache[key]


def close_analyzers() -> None:
    """Stop the analysis child processes (embedded mode's shutdown)."""
    with _lock:
        for an in list(_cache.values()):
            if hasattr(an, "close"):
                an.close()
        _cache.clear()
