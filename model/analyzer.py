"""What cocreate says about each post: tokens, keywords, sentiment, intent, trust signals, embedding.

One encoder pass per batch serves everything: the frozen base layers, the fine-tuned top layers,
then the heads, whose mean-pooled input is also the post's embedding (for clustering). Texts
longer than the window are split into windows; logits and embeddings are token-weighted means of
the windows. The rule labeler's votes can be blended into the final intent and signal decisions
(weights tuned on the dev gold with cross-validation, see ``training/tune.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from model.encoder import Encoder
from model.heads import AnalyzerConfig, TunedTop, bottom_hidden
from model.ngram import CharNgramSentiment
from model.results import Analysis
from model.text import clean_text

CONFIG_FILE = "analyzer_config.json"
WEIGHTS_FILE = "analyzer.safetensors"
NGRAM_FILE = "ngram_sentiment.npz"
# [2d, d]: the post embedding from [unit(tuned mean), unit(frozen-bottom mean)] (training/embedding_map.py)
EMBEDDING_MAP_FILE = "embedding_map.npz"


def _unit_rows(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


@dataclass
class RawOutput:
    """Per-text model outputs before decisions: probabilities and embeddings."""

    p_pos: np.ndarray  # [n] P(positive | not neutral), calibrated
    intent: np.ndarray  # [n, I]
    trust: np.ndarray  # [n, S]
    embedding: np.ndarray  # [n, d] unit length
    sentiment3: np.ndarray | None = None  # [n, 3] P(negative, neutral, positive) for 3-class heads


@dataclass
class TextFeatures:
    """What the text tools (jieba, the rule labeler) give per text: the part of an analysis that
    needs no model, so a caller can compute it elsewhere (another process) meanwhile."""

    tokens: list[list[str]]
    keywords: list[list[str]]
    votes: list | None  # the rule labeler's SilverLabel per text, or None without a labeler


def text_features(texts: Sequence[str], segmenter=None, lexicon=None, keywords: int = 5) -> TextFeatures:
    """Tokens, keywords and rule votes of already-cleaned ``texts``."""
    toks = [segmenter.cut(t) for t in texts] if segmenter else [[] for _ in texts]
    kws = [segmenter.keywords(t, keywords, tokens=x) for t, x in zip(texts, toks)] if segmenter else [[] for _ in texts]
    return TextFeatures(toks, kws, lexicon.label_many(texts) if lexicon else None)


class Analyzer:
    def __init__(
        self,
        encoder: Encoder,
        top: TunedTop,
        config: AnalyzerConfig,
        segmenter=None,
        lexicon=None,
        ngram: CharNgramSentiment | None = None,
    ):
        self.encoder = encoder
        self.ngram = ngram
        self.top = top.eval()
        self.config = config
        self.segmenter = segmenter
        self.lexicon = lexicon
        self.precision = "fp32"
        self.streams = 1  # parallel single-threaded forward passes (see ``raw``)
        # the fine-tuned top keeps little of the base encoder's topical geometry (topics V 0.13 against
        # 0.49 on the base's own 12-layer pass); a linear map fitted to that pass restores most of it
        self.embedding_map: np.ndarray | None = None

    # ------------------------------------------------------------------ persistence
    @classmethod
    def from_pretrained(
        cls, path: str | Path, encoder: Encoder | None = None, segmenter=None, lexicon=None
    ) -> "Analyzer":
        """Load what ``save_pretrained`` wrote; ``encoder`` defaults to the config's base encoder."""
        path = Path(path)
        if not (path / CONFIG_FILE).exists():
            raise FileNotFoundError(f"{path}: no {CONFIG_FILE}; train with `cocreate train signals` first")
        cfg = AnalyzerConfig.load(path / CONFIG_FILE)
        enc = encoder or Encoder.from_pretrained(cfg.base_encoder)
        top = TunedTop(cfg, enc.model)
        state = load_file(path / WEIGHTS_FILE)
        top.load_state_dict(state)
        ngram = CharNgramSentiment.load(path / NGRAM_FILE) if (path / NGRAM_FILE).exists() else None
        an = cls(enc, top, cfg, segmenter=segmenter, lexicon=lexicon, ngram=ngram)
        if (path / EMBEDDING_MAP_FILE).exists():
            an.embedding_map = np.load(path / EMBEDDING_MAP_FILE)["map"].astype(np.float32)
        return an

    def save_pretrained(self, path: str | Path) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.config.save(path / CONFIG_FILE)
        state = {k: v.detach().contiguous() for k, v in self.top.state_dict().items()}
        save_file(state, str(path / WEIGHTS_FILE))
        if self.ngram is not None:
            self.ngram.save(path / NGRAM_FILE)
        if self.embedding_map is not None:
            np.savez(path / EMBEDDING_MAP_FILE, map=self.embedding_map)

    def set_precision(self, mode: str) -> "Analyzer":
        """``fp32``, ``bf16`` (autocast) or ``int8`` (dynamic quantization of the Linear layers)."""
        if mode not in {"fp32", "bf16", "int8"}:
            raise ValueError(f"precision must be fp32, bf16 or int8, not {mode!r}")
        if mode == "int8" and self.precision != "int8":
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                aq = torch.ao.quantization
                # per-channel weight scales: per-tensor ones cost ~3 points of accuracy here
                spec = {torch.nn.Linear: aq.per_channel_dynamic_qconfig}
                self.encoder.model = aq.quantize_dynamic(self.encoder.model, spec, dtype=torch.qint8, inplace=True)
                self.top.layers = aq.quantize_dynamic(self.top.layers, spec, dtype=torch.qint8, inplace=True)
                self.top._base = [self.encoder.model]
        elif mode != "int8" and self.precision == "int8":
            raise ValueError("cannot undo int8 quantization; load the analyzer again")
        self.precision = mode
        return self

    # ------------------------------------------------------------------ inference
    def raw(
        self,
        texts: Sequence[str],
        batch_size: int = 64,
        max_tokens: int = 8192,
        progress: Callable[[int], None] | None = None,
        windows=None,
    ) -> RawOutput:
        """Model outputs per text; ``windows``: ``encoder.windows(texts)`` when already computed."""
        enc, cfg = self.encoder, self.config
        n = len(texts)
        if n == 0:
            z = np.zeros((0,))
            return RawOutput(
                z, np.zeros((0, len(cfg.intents))), np.zeros((0, len(cfg.signals))), np.zeros((0, enc.dim), np.float32)
            )
        win = windows if windows is not None else enc.windows(texts)
        lengths = np.array([len(x) for x in win.ids])
        W = len(win.ids)
        emb = np.zeros((W, enc.dim), np.float32)
        sent = np.zeros((W, cfg.sentiment_classes), np.float32)
        intent = np.zeros((W, len(cfg.intents)), np.float32)
        trust = np.zeros((W, len(cfg.signals)), np.float32)
        pad = enc.tokenizer.pad_token_id or 0
        lock = threading.Lock()

        def run(batches: list[np.ndarray]) -> None:
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bf16"):
                for idx in batches:
                    width = int(lengths[idx].max())
                    ids = torch.full((len(idx), width), pad, dtype=torch.long)
                    mask = torch.zeros((len(idx), width), dtype=torch.long)
                    for r, w in enumerate(idx):
                        ids[r, : lengths[w]] = torch.tensor(win.ids[w])
                        mask[r, : lengths[w]] = 1
                    h = bottom_hidden(enc.model, ids, mask, cfg.cut)
                    out = self.top(h, mask)
                    emb[idx] = self._post_embedding(out.embedding, h, mask)
                    sent[idx] = out.sentiment_logits.float().numpy()
                    intent[idx] = out.intent_logits.float().numpy()
                    trust[idx] = out.trust_logits.float().numpy()
                    if progress:
                        with lock:
                            progress(len(idx))

        batches = list(enc._batches(lengths, batch_size, max_tokens))
        streams = max(1, min(self.streams, len(batches)))
        if streams == 1:
            run(batches)
        else:
            # one single-threaded forward stream per core: small matrices parallelise badly inside
            # one op, so independent batches on separate threads do more work per second
            lanes: list[list[np.ndarray]] = [[] for _ in range(streams)]
            load = [0] * streams
            for b in batches:  # longest first: greedy balance of tokens per lane
                k = int(np.argmin(load))
                lanes[k].append(b)
                load[k] += int(lengths[b].sum())
            before = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                with ThreadPoolExecutor(streams) as pool:
                    list(pool.map(run, lanes))
            finally:
                torch.set_num_threads(before)

        def per_text(x: np.ndarray) -> np.ndarray:
            acc = np.zeros((n, x.shape[1]), np.float64)
            np.add.at(acc, win.owner, x * win.weight[:, None])
            tot = np.zeros(n)
            np.add.at(tot, win.owner, win.weight)
            return acc / tot[:, None]

        p_pos, p3 = self.sentiment_probs(per_text(sent), texts)
        il = per_text(intent)
        ip = np.exp(il - il.max(1, keepdims=True))
        ip /= ip.sum(1, keepdims=True)
        tp = 1 / (1 + np.exp(-per_text(trust)))
        e = per_text(emb)
        e /= np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)
        return RawOutput(p_pos, ip, tp, e.astype(np.float32), p3)

    def _post_embedding(self, tuned: torch.Tensor, bottom: torch.Tensor, mask: torch.Tensor) -> np.ndarray:
        """Per window: the tuned top's mean-pooled state, or with ``embedding_map`` the map applied to
        [unit(that), unit(mean of the frozen bottom's states)]."""
        t = tuned.float().numpy()
        if self.embedding_map is None:
            return t
        m = mask.unsqueeze(-1).float()
        b = ((bottom.float() * m).sum(1) / m.sum(1).clamp(min=1)).numpy()
        return np.hstack([_unit_rows(t), _unit_rows(b)]) @ self.embedding_map

    def sentiment_probs(self, logits: np.ndarray, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """Calibrated P(pos | polar) [n] and, for 3-class heads, P(neg, neu, pos) [n, 3] from per-text
        sentiment logits. The positive-vs-negative log-odds are blended with the char n-gram model's
        and divided by the temperature; the neutral logit keeps its offset from the polar pair."""
        T = self.config.temperature
        if logits.shape[1] == 2:
            return 1 / (1 + np.exp(-self.sentiment_logodds(logits[:, 1] - logits[:, 0], texts) / T)), None
        b = self.sentiment_logodds(logits[:, 2] - logits[:, 0], texts) / T
        neu = (logits[:, 1] - (logits[:, 0] + logits[:, 2]) / 2) / T
        z = np.stack([-b / 2, neu, b / 2], 1)
        z = np.exp(z - z.max(1, keepdims=True))
        return 1 / (1 + np.exp(-b)), z / z.sum(1, keepdims=True)

    def sentiment_logodds(self, neural: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Blend the encoder's log-odds with the char n-gram model's (before temperature)."""
        w = self.config.ngram_weight
        if self.ngram is None or w == 0:
            return neural
        return (1 - w) * neural + w * self.ngram.logit([clean_text(t) for t in texts])

    def decide(self, raw: RawOutput, texts: Sequence[str], votes: list | None = None) -> list[dict]:
        """Labels from probabilities, blended with the rule labeler's votes when configured
        (``votes``: the labeler's output for ``texts`` when already computed)."""
        cfg = self.config
        if not cfg.uses_votes:
            votes = None
        elif votes is None:
            if self.lexicon is None:
                raise ValueError(
                    "this analyzer's decision layer reads the rule labeler's request cue (request_bias "
                    f"{cfg.request_bias}): load it with lexicon= (cocreate.loaders.load_analyzer does)"
                )
            votes = self.lexicon.label_many(texts)
        d = decisions(raw, cfg, votes)
        out = []
        for k in range(len(texts)):
            out.append(
                {
                    "sentiment": {"label": d.sentiment[k], "score": round(float(d.score[k]), 4)},
                    "intent": {
                        "label": d.intent[k],
                        "scores": {i: round(float(d.intent_p[k, j]), 4) for j, i in enumerate(cfg.intents)},
                    },
                    "trust": {s: round(float(d.trust_p[k, j]), 4) for j, s in enumerate(cfg.signals)},
                    "signals": [s for j, s in enumerate(cfg.signals) if d.signals[k, j]],
                }
            )
        return out

    def analyze(
        self,
        texts: Sequence[str],
        batch_size: int = 64,
        progress: Callable[[int], None] | None = None,
        keywords: int = 5,
        features: TextFeatures | None = None,
        windows=None,
    ) -> list[Analysis]:
        """Analyse ``texts`` (any length, any content): one :class:`Analysis` per text, in order.
        ``features``: :func:`text_features` of the cleaned texts, when computed elsewhere;
        ``windows``: the encoder's windows of the cleaned texts, when already computed."""
        if isinstance(texts, str):
            raise TypeError("analyze() takes a list of texts; wrap a single text in a list")
        texts = [clean_text(t) for t in texts]
        raw = self.raw(texts, batch_size=batch_size, progress=progress, windows=windows)
        return self.assemble(raw, texts, features, keywords)

    def assemble(
        self, raw: RawOutput, texts: Sequence[str], features: TextFeatures | None = None, keywords: int = 5
    ) -> list[Analysis]:
        """Analyses from model outputs and text features (computed here when not given)."""
        if features is None:
            lexicon = self.lexicon if self.config.uses_votes else None
            features = text_features(texts, self.segmenter, lexicon, keywords)
        decisions = self.decide(raw, texts, votes=features.votes)
        return [
            Analysis(
                features.tokens[k],
                features.keywords[k],
                d["sentiment"],
                d["intent"],
                d["trust"],
                d["signals"],
                raw.embedding[k],
            )
            for k, d in enumerate(decisions)
        ]


@dataclass
class Decisions:
    sentiment: np.ndarray  # [n] str
    score: np.ndarray  # [n] P(pos) − P(neg)
    intent: np.ndarray  # [n] str
    intent_p: np.ndarray  # [n, I]
    trust_p: np.ndarray  # [n, S]
    signals: np.ndarray  # [n, S] bool


def decisions(raw: RawOutput, cfg, votes: list | None = None) -> Decisions:
    """The decision layer, vectorised (the analyzer and ``training/tune.py`` share it): sentiment
    label, intent with its class priors, the sentiment-consistency rule, and signal thresholds."""
    n = len(raw.p_pos)
    ip = raw.intent.astype(np.float64).copy()
    tp = raw.trust.astype(np.float64).copy()
    voted = np.zeros(n, bool)
    if votes is not None and cfg.lexicon_weight > 0:
        w = cfg.lexicon_weight
        for k, v in enumerate(votes):
            if v.intent is not None:
                voted[k] = True
                ip[k] *= 1 - w
                ip[k, cfg.intents.index(v.intent)] += w
            tp[k] = (1 - w) * tp[k] + w * np.array([v.signals[s] for s in cfg.signals], dtype=np.float64)
    if raw.sentiment3 is not None:
        score = raw.sentiment3[:, 2] - raw.sentiment3[:, 0]
        k3 = np.argmax(np.log(raw.sentiment3 + 1e-9) + np.array([0.0, cfg.neutral_bias, 0.0]), 1)
    else:
        score = 2 * raw.p_pos - 1
        k3 = np.where(np.abs(score) < cfg.neutral_band, 1, np.where(score > 0, 2, 0))
    sentiment = np.array(["negative", "neutral", "positive"])[k3]
    # class priors only where the rules abstain: an explicit cue (希望…, 坏了) outranks a prior
    bias = np.array([cfg.intent_bias.get(i, 0.0) for i in cfg.intents])
    logit = np.log(ip + 1e-9) + np.where(voted[:, None], 0.0, bias[None, :])
    if votes is not None and cfg.request_bias:
        asks = np.array([v.intent == "feature_request" for v in votes], dtype=bool)
        logit[asks, cfg.intents.index("feature_request")] += cfg.request_bias
    if cfg.intent_follows_sentiment:
        # a post read as negative is never praise, one read as positive never a complaint
        logit[k3 == 0, cfg.intents.index("praise")] = -np.inf
        logit[k3 == 2, cfg.intents.index("complaint")] = -np.inf
    intent = np.array(cfg.intents)[np.argmax(logit, 1)]
    thr = np.array([cfg.signal_thresholds.get(s, 0.5) for s in cfg.signals])
    return Decisions(sentiment, score, intent, ip, tp, tp >= thr[None, :])
