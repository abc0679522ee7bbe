"""Train the analyzer: the encoder's top layers and the sentiment, intent and trust heads.

    cocreate train signals [--epochs 2] [--exclude-cat 酒店] [--out data/models/analyzer]

Reads top to bottom:
1. Split the shared reviews with a fixed seed: a stratified held-out test set of 5,000 reviews
   (category × label) that no training or tuning step sees, a validation set for calibration, and
   the training rest. ``--exclude-cat`` drops one category from training (domain-shift runs).
2. Labels: sentiment from the reviews' binary labels; intent and the ten trust signals are silver
   labels from the rule labeler (``model/lexicon.py``); the hand-written posts in
   ``data/written/posts.jsonl`` add gold labels for every head (neutral sentiment as 0.5).
3. Run the frozen base encoder once over every training text and cache the hidden states that enter
   the first tuned layer, plus the base embedding (the mean of the last layer).
4. Fine-tune copies of the top layers and the heads on the cached states: cross-entropy for
   sentiment and intent, binary cross-entropy for the signals, and 1 − cos(embedding, base
   embedding) so the embedding stays what clustering was tuned on.
5. Fit the sentiment temperature on the validation set; save config + weights with
   ``Analyzer.save_pretrained``.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from tqdm import tqdm

from model.heads import INTENTS, SIGNALS, AnalyzerConfig, HeadOutput, TunedTop
from model.ngram import CharNgramSentiment

REPO = Path(__file__).resolve().parents[1]


@dataclass
class TrainConfig:
    out: Path = REPO / "data" / "models" / "analyzer"
    reviews: Path = REPO.parent / "shared" / "data" / "online_shopping_10_cats.csv"
    written: Path = REPO / "data" / "written"  # every *.jsonl in it (or one file)
    cache: Path = REPO / "data" / "cache" / "train"
    seed: int = 2026
    test_size: int = 5000
    val_size: int = 2000
    max_train: int | None = None
    exclude_cat: str | None = None
    tuned_layers: int = 3
    max_tokens: int = 128
    epochs: int = 2
    batch_size: int = 32
    lr_layers: float = 4e-5
    lr_heads: float = 1e-3
    weight_decay: float = 0.01
    w_sentiment: float = 1.0
    w_intent: float = 0.5
    w_trust: float = 0.5
    w_distill: float = 2.0
    written_weight: float = 3.0
    max_ngram_weight: float = 0.5  # cap: n-grams fit the training domains better than new ones
    bf16: bool = False  # bf16 autocast for caching and training (fast where the CPU has AVX-512 BF16)
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- data
def split_reviews(df: pd.DataFrame, test_size: int, val_size: int, seed: int):
    """Row indices (train, val, test): test and val stratified by category × label."""
    from sklearn.model_selection import train_test_split

    strata = df["cat"].astype(str) + "|" + df["label"].astype(str)
    rest, test = train_test_split(df.index.values, test_size=test_size, stratify=strata, random_state=seed)
    train, val = train_test_split(rest, test_size=val_size, stratify=strata[rest], random_state=seed)
    return np.sort(train), np.sort(val), np.sort(test)


def load_reviews(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path)
    df["review"] = df["review"].fillna("").astype(str).str.lstrip("\ufeff")
    return df[df["review"].str.strip() != ""].reset_index(drop=True)


@dataclass
class Labeled:
    texts: list[str]
    p_pos: np.ndarray  # [n] float, 0..1
    intent: np.ndarray  # [n] int, -1 = unknown
    trust: np.ndarray  # [n, S] float 0/1
    trust_known: np.ndarray  # [n] bool
    weight: np.ndarray  # [n] float


def silver(texts: list[str], p_pos: np.ndarray) -> Labeled:
    from model.lexicon import LexiconLabeler

    lab = LexiconLabeler.load()
    out = lab.label_many(tqdm(texts, desc="silver labels", unit="post", mininterval=2))
    intent = np.array([INTENTS.index(o.intent) if o.intent else -1 for o in out])
    trust = np.array([[o.signals[s] for s in SIGNALS] for o in out], dtype=np.float32)
    n = len(texts)
    return Labeled(texts, p_pos.astype(np.float32), intent, trust, np.ones(n, bool), np.ones(n, np.float32))


def written(path: Path, weight: float) -> Labeled | None:
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else ([path] if path.exists() else [])
    rows = [json.loads(x) for f in files for x in f.read_text(encoding="utf-8").splitlines() if x.strip()]
    if not rows:
        return None
    p = {"positive": 1.0, "negative": 0.0, "neutral": 0.5}
    return Labeled([r["text"] for r in rows], np.array([p[r["sentiment"]] for r in rows], np.float32),
                   np.array([INTENTS.index(r["intent"]) for r in rows]),
                   np.array([[int(s in r["signals"]) for s in SIGNALS] for r in rows], np.float32),
                   np.ones(len(rows), bool), np.full(len(rows), weight, np.float32))


def concat(parts: list[Labeled]) -> Labeled:
    return Labeled(sum((p.texts for p in parts), []), *(np.concatenate([getattr(p, f) for p in parts])
                   for f in ("p_pos", "intent", "trust", "trust_known", "weight")))


# -------------------------------------------------------------------------- cache
def truncate(ids: list[int], limit: int) -> list[int]:
    """Keep the head and, mostly, the tail of an over-long post (its verdict tends to sit at the end)."""
    if len(ids) <= limit:
        return ids
    head = limit // 4
    return ids[:head] + ids[len(ids) - (limit - head):]


def cache_hidden(enc, texts: list[str], cut: int, max_tokens: int, cache_dir: Path, tag: str,
                 bf16: bool = False):
    """Per text: fp16 hidden states entering layer ``cut`` [t, d] and the base embedding [d]."""
    key = hashlib.sha256(json.dumps([enc.model.name_or_path, cut, max_tokens, texts],
                                    ensure_ascii=False).encode()).hexdigest()[:12]
    path = cache_dir / f"{tag}-{key}.pt"
    if path.exists():
        return torch.load(path)
    tok = enc.tokenizer
    body = [enc.prefix + t for t in texts]
    content = tok(body, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
    seqs = [[tok.cls_token_id, *truncate(c, max_tokens - 2), tok.sep_token_id] for c in content]
    lengths = np.array([len(s) for s in seqs])
    hidden: list[torch.Tensor | None] = [None] * len(seqs)
    base = torch.zeros((len(seqs), enc.dim), dtype=torch.float32)
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16), \
            tqdm(total=len(seqs), desc=f"cache {tag}", unit="post", mininterval=5) as bar:
        for idx in enc._batches(lengths, 64, 4096):
            width = int(lengths[idx].max())
            ids = torch.full((len(idx), width), tok.pad_token_id, dtype=torch.long)
            mask = torch.zeros((len(idx), width), dtype=torch.long)
            for r, w in enumerate(idx):
                ids[r, :lengths[w]] = torch.tensor(seqs[w])
                mask[r, :lengths[w]] = 1
            out = enc.model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
            h_cut = out.hidden_states[cut]
            m = mask.unsqueeze(-1).float()
            emb = ((out.last_hidden_state * m).sum(1) / m.sum(1)).float()
            for r, w in enumerate(idx):
                hidden[w] = h_cut[r, :lengths[w]].to(torch.float16).clone()
                base[w] = emb[r]
            bar.update(len(idx))
    cache_dir.mkdir(parents=True, exist_ok=True)
    torch.save((hidden, base), path)
    return hidden, base


def batches(lengths: np.ndarray, batch_size: int, rng: random.Random):
    """Shuffled batches of similar length (little padding, random order)."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], rng.random()))
    chunks = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(chunks)
    return chunks


def collate(hidden: list[torch.Tensor], idx: list[int]):
    width = max(hidden[i].shape[0] for i in idx)
    d = hidden[idx[0]].shape[1]
    h = torch.zeros((len(idx), width, d))
    mask = torch.zeros((len(idx), width), dtype=torch.long)
    for r, i in enumerate(idx):
        n = hidden[i].shape[0]
        h[r, :n] = hidden[i].float()
        mask[r, :n] = 1
    return h, mask


# ------------------------------------------------------------------------ training
def losses(out, y: Labeled, idx, base_emb, tc: TrainConfig) -> tuple[torch.Tensor, dict]:
    w = torch.from_numpy(y.weight[idx])
    p = torch.from_numpy(y.p_pos[idx])
    target = torch.stack([1 - p, p], dim=1)
    l_sent = (-(target * F.log_softmax(out.sentiment_logits, -1)).sum(1) * w).sum() / w.sum()
    it = torch.from_numpy(y.intent[idx])
    known = it >= 0
    l_int = (F.cross_entropy(out.intent_logits[known], it[known], reduction="none") * w[known]).sum() \
        / w[known].sum().clamp(min=1e-6) if known.any() else out.intent_logits.sum() * 0
    tr = torch.from_numpy(y.trust[idx])
    l_tr = (F.binary_cross_entropy_with_logits(out.trust_logits, tr, reduction="none").mean(1) * w).sum() / w.sum()
    l_dis = (1 - F.cosine_similarity(out.embedding, base_emb, dim=-1)).mean()
    total = tc.w_sentiment * l_sent + tc.w_intent * l_int + tc.w_trust * l_tr + tc.w_distill * l_dis
    return total, {"sent": l_sent.item(), "intent": l_int.item(), "trust": l_tr.item(), "distill": l_dis.item()}


def predict_cached(top: TunedTop, hidden, batch_size: int = 128):
    """Sentiment logits [n, 2] and embeddings for cached states, in order."""
    top.eval()
    lengths = np.array([h.shape[0] for h in hidden])
    sl = torch.zeros((len(hidden), 2))
    with torch.inference_mode():
        order = np.argsort(lengths)
        for i in range(0, len(order), batch_size):
            idx = order[i:i + batch_size].tolist()
            h, m = collate(hidden, idx)
            sl[idx] = top(h, m).sentiment_logits
    return sl


def fit_temperature(logits: torch.Tensor, y: np.ndarray) -> float:
    """Temperature minimising the validation negative log-likelihood (grid, then refined)."""
    target = torch.as_tensor(np.asarray(y), dtype=torch.long)
    grid = np.exp(np.linspace(np.log(0.3), np.log(5), 60))
    nll = [F.cross_entropy(logits / t, target).item() for t in grid]
    return float(grid[int(np.argmin(nll))])


def train(tc: TrainConfig) -> Path:
    from cocreate.loaders import load_encoder
    from model.analyzer import Analyzer

    torch.manual_seed(tc.seed)
    rng = random.Random(tc.seed)
    t0 = time.time()
    df = load_reviews(tc.reviews)
    tr_idx, val_idx, test_idx = split_reviews(df, tc.test_size, tc.val_size, tc.seed)
    pool = df.loc[tr_idx]
    keep = np.ones(len(pool), bool)
    if tc.exclude_cat:
        keep &= (pool["cat"] != tc.exclude_cat).values
    if tc.max_train and keep.sum() > tc.max_train:
        chosen = pool[keep].sample(tc.max_train, random_state=tc.seed).index
        keep &= pool.index.isin(chosen)
    reviews = silver(pool["review"].tolist(), pool["label"].values.astype(np.float32))
    parts = [reviews]
    wr = written(tc.written, tc.written_weight)
    if wr is not None:
        parts.append(wr)

    enc = load_encoder()
    cfg = AnalyzerConfig(tuned_layers=tc.tuned_layers, hidden_size=enc.dim,
                         num_layers=enc.model.config.num_hidden_layers)
    # the cache always covers the whole training pool, so sub-sampled and domain-shift runs reuse it
    hidden, base_emb, use = [], [], []
    for part, tag, mask in zip(parts, ["reviews", "written"], [keep, None]):
        h, b = cache_hidden(enc, part.texts, cfg.cut, tc.max_tokens, tc.cache, tag, tc.bf16)
        hidden += h
        base_emb.append(b)
        use.append(mask if mask is not None else np.ones(len(h), bool))
    use = np.concatenate(use)
    rows = np.where(use)[0]
    data = concat(parts)
    data = Labeled([data.texts[i] for i in rows], data.p_pos[rows], data.intent[rows], data.trust[rows],
                   data.trust_known[rows], data.weight[rows])
    hidden = [hidden[i] for i in rows]
    base_emb = torch.cat(base_emb)[torch.from_numpy(rows)]
    print(f"training texts: {len(data.texts):,} ({int(keep.sum()):,} reviews"
          f"{f', {len(wr.texts)} written posts' if wr else ''}); intent known for {(data.intent >= 0).mean():.0%}")
    val_df = df.loc[val_idx]
    val_hidden, _ = cache_hidden(enc, val_df["review"].tolist(), cfg.cut, tc.max_tokens, tc.cache, "val", tc.bf16)

    for p in enc.model.parameters():
        p.requires_grad_(False)
    top = TunedTop(cfg, enc.model)
    layer_params = [p for p in top.layers.parameters()]
    opt = torch.optim.AdamW([{"params": layer_params, "lr": tc.lr_layers},
                             {"params": top.heads.parameters(), "lr": tc.lr_heads}],
                            weight_decay=tc.weight_decay)
    lengths = np.array([h.shape[0] for h in hidden])
    steps = tc.epochs * math.ceil(len(hidden) / tc.batch_size)
    warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / max(1, steps - warm)))
    step = 0
    for epoch in range(tc.epochs):
        top.train()
        run: dict[str, float] = {}
        with tqdm(batches(lengths, tc.batch_size, rng), desc=f"epoch {epoch + 1}/{tc.epochs}",
                  unit="batch", mininterval=10) as bar:
            for idx in bar:
                h, m = collate(hidden, idx)
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=tc.bf16):
                    out = top(h, m)
                out = HeadOutput(*(t.float() for t in (out.embedding, out.sentiment_logits,
                                                       out.intent_logits, out.trust_logits)))
                loss, parts_ = losses(out, data, idx, base_emb[idx], tc)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(top.parameters(), 1.0)
                opt.step()
                sched.step()
                step += 1
                for k, v in parts_.items():
                    run[k] = 0.98 * run.get(k, v) + 0.02 * v
                bar.set_postfix({k: f"{v:.3f}" for k, v in run.items()})
        vl = predict_cached(top, val_hidden)
        acc = float((vl.argmax(1).numpy() == val_df["label"].values).mean())
        print(f"epoch {epoch + 1}: validation sentiment accuracy {acc:.4f}")

    # char n-gram model on the same training texts (written posts with a polarity included)
    polar = np.abs(data.p_pos - 0.5) == 0.5
    ngram = CharNgramSentiment().fit([data.texts[i] for i in np.where(polar)[0]], data.p_pos[polar].astype(int))
    neural = (vl[:, 1] - vl[:, 0]).numpy()
    ng = ngram.logit(val_df["review"].tolist())
    yv = val_df["label"].values
    grid = [w for w in np.round(np.arange(0, 1.01, 0.1), 2) if w <= tc.max_ngram_weight]
    accs = [float((((1 - w) * neural + w * ng) > 0).astype(int).__eq__(yv).mean()) for w in grid]
    cfg.ngram_weight = float(grid[int(np.argmax(accs))])
    blended = (1 - cfg.ngram_weight) * neural + cfg.ngram_weight * ng
    print("validation accuracy by n-gram weight: " + ", ".join(f"{w}: {a:.4f}" for w, a in zip(grid, accs)))
    cfg.temperature = fit_temperature(torch.from_numpy(np.stack([np.zeros_like(blended), blended], 1)).float(), yv)
    cfg.training = {"config": {k: str(v) for k, v in asdict(tc).items()}, "val_accuracy_encoder": acc,
                    "val_accuracy": max(accs), "train_texts": len(data.texts), "seconds": round(time.time() - t0)}
    analyzer = Analyzer(enc, top, cfg, ngram=ngram)
    analyzer.save_pretrained(tc.out)
    split = {"seed": tc.seed, "test_rows": test_idx.tolist(), "val_rows": val_idx.tolist()}
    (Path(tc.out) / "split.json").write_text(json.dumps(split), encoding="utf-8")
    print(f"saved to {tc.out} in {time.time() - t0:.0f}s; temperature {cfg.temperature:.2f}")
    return Path(tc.out)
