"""Which analyzer a worker process uses: the trained one (``cocreate.loaders.load_analyzer``), or the one
``COCREATE_ANALYZER_FACTORY`` names (``module:callable``, called with the settings; an extension point
for another model, and how the tests plug in their fast stand-in, ``tests/stand_ins.py``)."""

from __future__ import annotations

import threading

from cocreate.loaders import analyzer_factory
from cocreate.settings import Settings

_lock = threading.Lock()
_cache: dict[tuple, object] = {}


def get_analyzer(settings: Settings):
    """The process-wide analyzer (loaded once, on first use). In embedded mode (the queue inside the API
    process) the trained analyzer runs in a child process (``api/analysis/process.py``) unless
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
                from api.analysis.process import ProcessAnalyzer

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
