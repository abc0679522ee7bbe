"""Embedded mode's analysis child process: same results as in-process, restarted after it dies."""

from __future__ import annotations

import os
import signal
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pytest

from cocreate.settings import Settings

POSTS = ["希望增加夜间模式，晚上看屏幕太刺眼", "太差了，用了两天就坏了，客服也不理人", "说好的赠品没送，还是假货，骗人"]


@pytest.fixture(scope="module")
def child():
    from api.analysis.process import ProcessAnalyzer

    an = ProcessAnalyzer(Settings(), nice=5)
    an.pid = an.start()
    yield an
    an.close()


def test_the_child_analyses_like_the_process_itself(child):
    from cocreate.loaders import load_analyzer

    assert child.pid != os.getpid()
    got = child.analyze(POSTS)
    here = load_analyzer(Settings()).analyze(POSTS)
    assert [a.intent["label"] for a in got] == [a.intent["label"] for a in here]
    assert [a.sentiment["label"] for a in got] == [a.sentiment["label"] for a in here]
    assert [a.signals for a in got] == [a.signals for a in here]
    assert np.allclose(np.stack([a.embedding for a in got]), np.stack([a.embedding for a in here]), atol=1e-3)
    assert (
        os.getpriority(os.PRIO_PROCESS, child.pid) >= os.getpriority(os.PRIO_PROCESS, 0) + 5
        or os.getpriority(os.PRIO_PROCESS, child.pid) == 19
    )


def test_a_dead_child_fails_one_batch_and_the_next_starts_a_new_one(child):
    os.kill(child.pid, signal.SIGKILL)
    with pytest.raises(BrokenProcessPool):
        child.analyze(POSTS[:1])
    again = child.analyze(POSTS[:1])  # a new child loads the analyzer
    assert again[0].intent["label"] == "feature_request" and again[0].embedding.shape == (384,)


def test_embedded_mode_selects_the_child_and_the_distributed_worker_does_not(monkeypatch):
    import api.worker.broker as broker
    from api.analysis import analyzers

    monkeypatch.setattr(analyzers, "_cache", {})
    monkeypatch.setattr(broker, "embedded", lambda: True)
    from api.analysis.process import ProcessAnalyzer

    monkeypatch.setattr(ProcessAnalyzer, "start", lambda self: 0)  # not started: only the choice is tested
    assert isinstance(analyzers.get_analyzer(Settings()), ProcessAnalyzer)
    assert not isinstance(analyzers.get_analyzer(Settings(analysis_process=False)), ProcessAnalyzer)
    monkeypatch.setattr(broker, "embedded", lambda: False)
    monkeypatch.setattr(analyzers, "_cache", {})
    assert not isinstance(analyzers.get_analyzer(Settings()), ProcessAnalyzer)


def test_the_api_process_reads_the_childs_results_without_importing_torch(child):
    """The child's analyses unpickle in a process that has not imported torch, and do not import it
    (the first batch once imported torch in the API process, holding the GIL for seconds)."""
    import pickle
    import subprocess
    import sys

    blob = pickle.dumps(child.analyze(POSTS[:1]))
    code = (
        "import pickle, sys; a = pickle.loads(sys.stdin.buffer.read()); "
        "assert 'torch' not in sys.modules, 'torch imported'; print(a[0].intent['label'])"
    )
    r = subprocess.run([sys.executable, "-c", code], input=blob, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    assert r.stdout.decode().strip() == "feature_request"
