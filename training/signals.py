"""Train the analyzer on labelled data: the encoder's top layers and the sentiment, intent and trust heads.

    cocreate train signals [--epochs 2] [--holdout-domains 外卖,酒店民宿] [--exclude-cat 酒店]
                           [--layers 6 --tuned-layers 3 --teacher data/models/teacher] [--out DIR]

Reads top to bottom:
1. Split the shared reviews with a fixed seed: a stratified held-out test set of 5,000 reviews
   (category × label) that no training or tuning step sees, a validation set for calibration and
   the decision layer, and the training rest. ``--exclude-cat`` drops a category from training.
2. Labels, all read by people (``data/labels/README.md``): the hand labels of ``data/labels/reviews.tsv``
   (ids into the shared reviews: 3-class sentiment, intent, ten signals) and the labelled posts we wrote
   in ``data/written/*.jsonl`` (split by a hash of the text: 80% train, 10% validation, 10% test; a
   ``--holdout-domains`` domain goes wholly to test). Reviews without hand labels teach polarity only.
   The rule labeler decides nothing here.
3. Run the frozen base encoder once over every text and cache the hidden states that enter the first
   tuned layer (one pass serves a teacher's and a student's cut), plus the base embedding.
4. Fine-tune copies of layers ``cut`` … ``layers - 1`` and the heads on the cached states: 3-class
   cross-entropy for sentiment (a pos/neg pair loss for reviews with a polarity only), cross-entropy
   for intent, binary cross-entropy for the signals, each where a label exists, plus
   1 − cos(embedding, base embedding) so the embedding stays what clustering was tuned on. With
   ``--teacher`` (a trained analyzer), the teacher's probabilities on every text are soft targets too:
   a shallow student learns from the teacher's reading of the 40k reviews nobody labelled.
5. Fit the sentiment temperature and the n-gram blend on the validation reviews; save config +
   weights with ``Analyzer.save_pretrained``. ``python -m training.tune`` then fits the decision layer.
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
SENTIMENTS = ["negative", "neutral", "positive"]


@dataclass
class TrainConfig:
    out: Path = REPO / "data" / "models" / "analyzer"
    reviews: Path = REPO.parent / "shared" / "data" / "online_shopping_10_cats.csv"
    labels: Path = REPO / "data" / "labels" / "reviews.tsv"
    written: Path = REPO / "data" / "written"  # every *.jsonl in it (or one file)
    cache: Path = REPO / "data" / "cache" / "train"
    seed: int = 2026
    test_size: int = 5000
    val_size: int = 2000
    max_train: int | None = None
    max_polarity_only: int | None = 15_000  # reviews without hand labels used per run (polarity only); None = all
    exclude_cat: str | None = None
    holdout_domains: tuple[str, ...] = ()
    layers: int = 12  # encoder depth used (a student: fewer)
    tuned_layers: int = 4
    teacher: Path | None = None
    max_tokens: int = 128
    epochs: int = 2
    batch_size: int = 32
    lr_layers: float = 5e-5
    lr_heads: float = 1e-3
    weight_decay: float = 0.01
    w_sentiment: float = 1.0
    w_intent: float = 1.0
    w_trust: float = 1.0  # on the sum over signals (a mean over ten rare signals barely moved the heads)
    max_pos_weight: float = 5.0  # rare signals: positives weigh up to this much more (neg/pos ratio, capped)
    w_distill: float = 10.0  # keeps the embedding (clustering reads it) near the base encoder's
    w_teacher: float = 1.0
    labeled_weight: float = 2.0  # hand-labelled rows count this much more than polarity-only reviews
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
    """The shared reviews, empty ones dropped; ``row`` is the 0-based position in the file (ids ``s<row>``)."""
    df = pd.read_csv(path)
    df["row"] = np.arange(len(df))
    df["review"] = df["review"].fillna("").astype(str).str.lstrip("\ufeff")
    return df[df["review"].str.strip() != ""].reset_index(drop=True)


@dataclass
class Labeled:
    """Training or evaluation rows. Unknown labels: sentiment3 −1 (polarity in ``p_pos`` may still be
    known), intent −1, ``trust_known`` False."""

    texts: list[str]
    p_pos: np.ndarray  # [n] float 0/1 polarity, 0.5 = neutral or unknown
    sentiment3: np.ndarray  # [n] int index into SENTIMENTS, −1 = unknown
    intent: np.ndarray  # [n] int, −1 = unknown
    trust: np.ndarray  # [n, S] float 0/1
    trust_known: np.ndarray  # [n] bool
    weight: np.ndarray  # [n] float
    meta: pd.DataFrame  # [n] source, domain, style, split

    def take(self, rows) -> "Labeled":
        rows = np.asarray(rows, dtype=int)
        return Labeled(
            [self.texts[i] for i in rows],
            self.p_pos[rows],
            self.sentiment3[rows],
            self.intent[rows],
            self.trust[rows],
            self.trust_known[rows],
            self.weight[rows],
            self.meta.iloc[rows].reset_index(drop=True),
        )

    def __len__(self) -> int:
        return len(self.texts)


def concat(parts: list[Labeled]) -> Labeled:
    return Labeled(
        sum((p.texts for p in parts), []),
        *(
            np.concatenate([getattr(p, f) for p in parts])
            for f in ("p_pos", "sentiment3", "intent", "trust", "trust_known", "weight")
        ),
        pd.concat([p.meta for p in parts], ignore_index=True),
    )


SHORT = {"neg": "negative", "neu": "neutral", "pos": "positive"}


def read_review_labels(path: Path) -> dict[int, tuple[str, str, list[str]]]:
    """``data/labels/reviews.tsv``: id (``s<row>``), sentiment, intent, signals (comma-separated or -)."""
    out: dict[int, tuple[str, str, list[str]]] = {}
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("id\t"):
            continue
        id_, sent, intent, sig = line.split("\t")
        out[int(id_[1:])] = (SHORT.get(sent, sent), intent, [] if sig in {"-", ""} else sig.split(","))
    return out


def reviews_labeled(df: pd.DataFrame, split: np.ndarray, labels: dict, labeled_weight: float) -> Labeled:
    """Every review: polarity from the corpus, the rest from the hand labels where there are some."""
    n = len(df)
    s3 = np.full(n, -1)
    it = np.full(n, -1)
    tr = np.zeros((n, len(SIGNALS)), np.float32)
    known = np.zeros(n, bool)
    for k, row in enumerate(df["row"].values):
        if row in labels:
            sent, intent, sig = labels[row]
            s3[k], it[k], known[k] = SENTIMENTS.index(sent), INTENTS.index(intent), True
            tr[k] = [int(s in sig) for s in SIGNALS]
    meta = pd.DataFrame(
        {
            "source": "review",
            "domain": df["cat"].values,
            "style": "review",
            "split": split,
            "id": [f"s{r}" for r in df["row"].values],
        }
    )
    return Labeled(
        df["review"].tolist(),
        df["label"].values.astype(np.float32),
        s3,
        it,
        tr,
        known,
        np.where(known, labeled_weight, 1.0).astype(np.float32),
        meta,
    )


def written_split(text: str) -> str:
    h = int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % 10
    return "val" if h == 0 else ("test" if h == 1 else "train")


def written(path: Path, weight: float, holdout_domains=()) -> Labeled | None:
    """The labelled posts we wrote (``data/written/*.jsonl``), split by a hash of the text."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else ([path] if path.exists() else [])
    rows = [json.loads(x) for f in files for x in f.read_text(encoding="utf-8").splitlines() if x.strip()]
    if not rows:
        return None
    p = {"positive": 1.0, "negative": 0.0, "neutral": 0.5}
    split = ["test" if r.get("domain") in holdout_domains else written_split(r["text"]) for r in rows]
    meta = pd.DataFrame(
        {
            "source": "written",
            "domain": [r.get("domain", "") for r in rows],
            "style": [r.get("style", "review") for r in rows],
            "split": split,
            "id": [f"w{k}" for k in range(len(rows))],
        }
    )
    return Labeled(
        [r["text"] for r in rows],
        np.array([p[r["sentiment"]] for r in rows], np.float32),
        np.array([SENTIMENTS.index(r["sentiment"]) for r in rows]),
        np.array([INTENTS.index(r["intent"]) for r in rows]),
        np.array([[int(s in r["signals"]) for s in SIGNALS] for r in rows], np.float32),
        np.ones(len(rows), bool),
        np.full(len(rows), weight, np.float32),
        meta,
    )


def all_data(tc: TrainConfig) -> tuple[Labeled, pd.DataFrame]:
    """Reviews and written posts with ``meta.split`` in train/val/test/excluded (a held-out category
    or ``max_train`` leftovers are "excluded" from training but kept for evaluation)."""
    df = load_reviews(tc.reviews)
    tr_idx, val_idx, test_idx = split_reviews(df, tc.test_size, tc.val_size, tc.seed)
    split = np.full(len(df), "train", dtype=object)
    split[val_idx], split[test_idx] = "val", "test"
    if tc.exclude_cat:
        # out of training and of tuning (its test-split rows stay for the shared test figures)
        split[(df["cat"].values == tc.exclude_cat) & (split != "test")] = "excluded"
    if tc.max_train:
        pool = np.where(split == "train")[0]
        if len(pool) > tc.max_train:
            drop = np.random.RandomState(tc.seed).choice(pool, len(pool) - tc.max_train, replace=False)
            split[drop] = "excluded"
    parts = [reviews_labeled(df, split, read_review_labels(tc.labels), tc.labeled_weight)]
    if tc.max_polarity_only is not None:
        # the reviews nobody labelled only teach polarity: a sample of them is enough, and it keeps
        # a 2-core training run short; the char n-gram model still reads every polar training review
        pool = np.where((split == "train") & ~parts[0].trust_known)[0]
        if len(pool) > tc.max_polarity_only:
            drop = np.random.RandomState(tc.seed + 1).choice(pool, len(pool) - tc.max_polarity_only, replace=False)
            split[drop] = "polarity-pool"
            parts[0].meta["split"] = split
    wr = written(tc.written, tc.labeled_weight, tc.holdout_domains)
    if wr is not None:
        parts.append(wr)
    return concat(parts), df


# -------------------------------------------------------------------------- cache
def truncate(ids: list[int], limit: int) -> list[int]:
    """Keep the head and, mostly, the tail of an over-long post (its verdict tends to sit at the end)."""
    if len(ids) <= limit:
        return ids
    head = limit // 4
    return ids[:head] + ids[len(ids) - (limit - head) :]


def cache_hidden(
    enc, texts: list[str], cuts: list[int], max_tokens: int, cache_dir: Path, tag: str, bf16: bool = False
):
    """Per text: fp16 hidden states entering each layer of ``cuts`` ({cut: [t, d] per text}) and the
    base embedding [n, d] (mean of the last layer), from one pass; cached on disk per cut."""

    def path_for(cut):
        key = hashlib.sha256(
            json.dumps([enc.model.name_or_path, cut, max_tokens, texts, bf16], ensure_ascii=False).encode()
        ).hexdigest()[:12]
        return cache_dir / f"{tag}-{cut}-{key}.pt"

    base_path = path_for("base")
    todo = [c for c in cuts if not path_for(c).exists()]
    if not todo and base_path.exists():
        return {c: torch.load(path_for(c)) for c in cuts}, torch.load(base_path)
    tok = enc.tokenizer
    body = [enc.prefix + t for t in texts]
    content = tok(body, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
    seqs = [[tok.cls_token_id, *truncate(c, max_tokens - 2), tok.sep_token_id] for c in content]
    lengths = np.array([len(s) for s in seqs])
    hidden: dict[int, list] = {c: [None] * len(seqs) for c in cuts}
    base = torch.zeros((len(seqs), enc.dim), dtype=torch.float32)
    with (
        torch.inference_mode(),
        torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16),
        tqdm(total=len(seqs), desc=f"cache {tag}", unit="post", mininterval=5) as bar,
    ):
        for idx in enc._batches(lengths, 64, 4096):
            width = int(lengths[idx].max())
            ids = torch.full((len(idx), width), tok.pad_token_id, dtype=torch.long)
            mask = torch.zeros((len(idx), width), dtype=torch.long)
            for r, w in enumerate(idx):
                ids[r, : lengths[w]] = torch.tensor(seqs[w])
                mask[r, : lengths[w]] = 1
            out = enc.model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
            m = mask.unsqueeze(-1).float()
            emb = ((out.last_hidden_state.float() * m).sum(1) / m.sum(1)).float()
            for c in cuts:
                h_cut = out.hidden_states[c]
                for r, w in enumerate(idx):
                    hidden[c][w] = h_cut[r, : lengths[w]].to(torch.float16).clone()
            base[idx] = emb
            bar.update(len(idx))
    cache_dir.mkdir(parents=True, exist_ok=True)
    for c in cuts:
        torch.save(hidden[c], path_for(c))
    torch.save(base, base_path)
    return hidden, base


def batches(lengths: np.ndarray, batch_size: int, rng: random.Random):
    """Shuffled batches of similar length (little padding, random order)."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], rng.random()))
    chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
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
@dataclass
class Soft:
    """A teacher's probabilities per training row: sentiment [n, 3], intent [n, I], trust [n, S]."""

    sentiment: torch.Tensor
    intent: torch.Tensor
    trust: torch.Tensor


def _wmean(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return (x * w).sum() / w.sum().clamp(min=1e-6)


def pos_weight(y: Labeled, cap: float) -> np.ndarray:
    """Per signal: negatives / positives among the rows with trust labels, capped (cached on ``y``)."""
    if getattr(y, "_pos_weight", None) is None or y._pos_weight[0] != cap:
        t = y.trust[y.trust_known]
        pos = t.sum(0)
        y._pos_weight = (cap, np.clip((len(t) - pos) / np.maximum(pos, 1), 1.0, cap).astype(np.float32))
    return y._pos_weight[1]


def losses(out: HeadOutput, y: Labeled, idx, base_emb, tc: TrainConfig, soft: Soft | None = None):
    """Weighted losses where labels exist, the embedding distillation, and the teacher's soft targets."""
    w = torch.from_numpy(y.weight[idx])
    logp = F.log_softmax(out.sentiment_logits, -1)  # [b, 3]: negative, neutral, positive
    s3 = torch.from_numpy(y.sentiment3[idx])
    p = torch.from_numpy(y.p_pos[idx])
    full = s3 >= 0
    polar_only = (~full) & ((p == 0) | (p == 1))
    pair = F.log_softmax(out.sentiment_logits[:, [0, 2]], -1)
    l_sent = torch.where(
        full, -logp.gather(1, s3.clamp(min=0)[:, None])[:, 0], -(p * pair[:, 1] + (1 - p) * pair[:, 0])
    )
    l_sent = _wmean(l_sent, w * (full | polar_only).float())
    it = torch.from_numpy(y.intent[idx])
    known = (it >= 0).float()
    l_int = _wmean(F.cross_entropy(out.intent_logits, it.clamp(min=0), reduction="none"), w * known)
    tk = torch.from_numpy(y.trust_known[idx]).float()
    tr = torch.from_numpy(y.trust[idx])
    pw = torch.from_numpy(pos_weight(y, tc.max_pos_weight))
    l_tr = _wmean(
        F.binary_cross_entropy_with_logits(out.trust_logits, tr, reduction="none", pos_weight=pw).sum(1), w * tk
    )
    l_dis = (1 - F.cosine_similarity(out.embedding, base_emb, dim=-1)).mean()
    total = tc.w_sentiment * l_sent + tc.w_intent * l_int + tc.w_trust * l_tr + tc.w_distill * l_dis
    parts = {"sent": l_sent.item(), "intent": l_int.item(), "trust": l_tr.item(), "distill": l_dis.item()}
    if soft is not None:
        ts, ti, tt = soft.sentiment[idx], soft.intent[idx], soft.trust[idx]
        l_kd = (
            -(ts * logp).sum(1).mean()
            - (ti * F.log_softmax(out.intent_logits, -1)).sum(1).mean()
            + F.binary_cross_entropy_with_logits(out.trust_logits, tt)
        )
        total = total + tc.w_teacher * l_kd
        parts["teacher"] = l_kd.item()
    return total, parts


def predict_cached(top: TunedTop, hidden, batch_size: int = 128) -> HeadOutput:
    """Every head's logits (and the embeddings) for cached states, in order."""
    top.eval()
    lengths = np.array([h.shape[0] for h in hidden])
    cfg = top.cfg
    n = len(hidden)
    res = HeadOutput(
        torch.zeros((n, cfg.hidden_size)),
        torch.zeros((n, cfg.sentiment_classes)),
        torch.zeros((n, len(cfg.intents))),
        torch.zeros((n, len(cfg.signals))),
    )
    with torch.inference_mode():
        order = np.argsort(lengths)
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size].tolist()
            h, m = collate(hidden, idx)
            o = top(h, m)
            for f in ("embedding", "sentiment_logits", "intent_logits", "trust_logits"):
                getattr(res, f)[idx] = getattr(o, f).float()
    return res


def fit_temperature(logits: torch.Tensor, y: np.ndarray) -> float:
    """Temperature minimising the validation negative log-likelihood (grid, then refined)."""
    target = torch.as_tensor(np.asarray(y), dtype=torch.long)
    grid = np.exp(np.linspace(np.log(0.3), np.log(5), 60))
    nll = [F.cross_entropy(logits / t, target).item() for t in grid]
    return float(grid[int(np.argmin(nll))])


def states(enc, data: Labeled, cuts: list[int], tc: TrainConfig):
    """Cached states of every row of ``data`` (one cache per source, so new written posts leave the
    reviews' cache valid)."""
    hidden: dict[int, list] = {c: [] for c in cuts}
    base = []
    for src in ("review", "written"):
        rows = np.where(data.meta["source"].values == src)[0]
        if len(rows) == 0:
            continue
        assert rows[0] == sum(len(b) for b in base) and (np.diff(rows) == 1).all(), "sources must be contiguous"
        h, b = cache_hidden(enc, [data.texts[i] for i in rows], cuts, tc.max_tokens, tc.cache, src, tc.bf16)
        for c in cuts:
            hidden[c] += h[c]
        base.append(b)
    return hidden, torch.cat(base)


def teacher_targets(path: Path, enc, data: Labeled, tc: TrainConfig) -> Soft:
    """The teacher analyzer's probabilities on every row of ``data`` (its own cut, from the cache)."""
    from model.analyzer import Analyzer

    teacher = Analyzer.from_pretrained(path, encoder=enc)
    cfg = teacher.config
    hidden, _ = states(enc, data, [cfg.cut], tc)
    out = predict_cached(teacher.top, hidden[cfg.cut])
    s = out.sentiment_logits
    _, p3 = teacher.sentiment_probs(s.numpy().astype(np.float64), data.texts)
    return Soft(torch.from_numpy(p3).float(), F.softmax(out.intent_logits, -1), torch.sigmoid(out.trust_logits))


def train(tc: TrainConfig) -> Path:
    from cocreate.loaders import load_encoder
    from model.analyzer import Analyzer

    torch.manual_seed(tc.seed)
    rng = random.Random(tc.seed)
    t0 = time.time()
    data, _ = all_data(tc)
    enc = load_encoder()
    cfg = AnalyzerConfig(
        tuned_layers=tc.tuned_layers,
        hidden_size=enc.dim,
        num_layers=tc.layers,
        sentiment_classes=3,
        intent_follows_sentiment=True,
    )
    # one cache over every text (train, val, test) serves every run, teacher and student cuts alike
    cuts = sorted({cfg.cut, 8, 3} if tc.layers == 12 else {cfg.cut})
    hidden_all, base_all = states(enc, data, cuts, tc)
    hidden_all = hidden_all[cfg.cut]
    split = data.meta["split"].values
    rows = np.where(split == "train")[0]
    soft = None
    if tc.teacher:
        full = teacher_targets(tc.teacher, enc, data, tc)
        soft = Soft(full.sentiment[rows], full.intent[rows], full.trust[rows])
    train_data = data.take(rows)
    hidden = [hidden_all[i] for i in rows]
    base_emb = base_all[torch.from_numpy(rows)]
    print(
        f"training texts: {len(rows):,} ({int((train_data.meta.source == 'review').sum()):,} reviews, "
        f"{int((train_data.meta.source == 'written').sum()):,} written posts); hand labels on "
        f"{train_data.trust_known.mean():.0%}; layers {cfg.cut}..{cfg.num_layers - 1} tuned"
        f"{'; teacher ' + str(tc.teacher) if tc.teacher else ''}"
    )
    val_rows = np.where((split == "val") & (data.meta["source"].values == "review"))[0]
    val_hidden = [hidden_all[i] for i in val_rows]
    yv = data.p_pos[val_rows].astype(int)

    for p in enc.model.parameters():
        p.requires_grad_(False)
    top = TunedTop(cfg, enc.model)
    for p in top.layers.parameters():  # the copies inherit the frozen base's flag: without this they never train
        p.requires_grad_(True)
    opt = torch.optim.AdamW(
        [
            {"params": list(top.layers.parameters()), "lr": tc.lr_layers},
            {"params": top.heads.parameters(), "lr": tc.lr_heads},
        ],
        weight_decay=tc.weight_decay,
    )
    lengths = np.array([h.shape[0] for h in hidden])
    steps = tc.epochs * math.ceil(len(hidden) / tc.batch_size)
    warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / max(1, steps - warm))
    )
    acc = 0.0
    for epoch in range(tc.epochs):
        top.train()
        run: dict[str, float] = {}
        with tqdm(
            batches(lengths, tc.batch_size, rng), desc=f"epoch {epoch + 1}/{tc.epochs}", unit="batch", mininterval=10
        ) as bar:
            for idx in bar:
                h, m = collate(hidden, idx)
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=tc.bf16):
                    out = top(h, m)
                out = HeadOutput(
                    *(t.float() for t in (out.embedding, out.sentiment_logits, out.intent_logits, out.trust_logits))
                )
                loss, parts_ = losses(out, train_data, idx, base_emb[idx], tc, soft)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(top.parameters(), 1.0)
                opt.step()
                sched.step()
                for k, v in parts_.items():
                    run[k] = 0.98 * run.get(k, v) + 0.02 * v
                bar.set_postfix({k: f"{v:.3f}" for k, v in run.items()})
        vl = predict_cached(top, val_hidden).sentiment_logits
        acc = float(((vl[:, 2] > vl[:, 0]).numpy().astype(int) == yv).mean())
        print(f"epoch {epoch + 1}: validation polarity accuracy {acc:.4f}")

    # char n-gram model on the polar training texts, blended into the pos-vs-neg log-odds
    ng_rows = np.where(np.isin(split, ["train", "polarity-pool"]) & (np.abs(data.p_pos - 0.5) == 0.5))[0]
    ngram = CharNgramSentiment().fit([data.texts[i] for i in ng_rows], data.p_pos[ng_rows].astype(int))
    neural = (vl[:, 2] - vl[:, 0]).numpy()
    vtexts = [data.texts[i] for i in val_rows]
    ng = ngram.logit(vtexts)
    grid = [w for w in np.round(np.arange(0, 1.01, 0.1), 2) if w <= tc.max_ngram_weight]
    accs = [float((((1 - w) * neural + w * ng) > 0).astype(int).__eq__(yv).mean()) for w in grid]
    cfg.ngram_weight = float(grid[int(np.argmax(accs))])
    blended = (1 - cfg.ngram_weight) * neural + cfg.ngram_weight * ng
    print("validation accuracy by n-gram weight: " + ", ".join(f"{w}: {a:.4f}" for w, a in zip(grid, accs)))
    cfg.temperature = fit_temperature(torch.from_numpy(np.stack([np.zeros_like(blended), blended], 1)).float(), yv)
    counts = data.meta.assign(labeled=data.trust_known).groupby(["source", "split"])["labeled"].agg(["size", "sum"])
    cfg.training = {
        "config": {k: str(v) for k, v in asdict(tc).items()},
        "val_accuracy_encoder": acc,
        "val_accuracy": max(accs),
        "train_texts": len(rows),
        "seconds": round(time.time() - t0),
        "rows": {f"{a}/{b}": [int(x), int(y)] for (a, b), (x, y) in counts.iterrows()},
    }
    analyzer = Analyzer(enc, top, cfg, ngram=ngram)
    analyzer.save_pretrained(tc.out)
    split_json = {
        "seed": tc.seed,
        "holdout_domains": list(tc.holdout_domains),
        "exclude_cat": tc.exclude_cat,
        "test_rows": np.where((split == "test") & (data.meta.source.values == "review"))[0].tolist(),
        "val_rows": val_rows.tolist(),
    }
    (Path(tc.out) / "split.json").write_text(json.dumps(split_json), encoding="utf-8")
    print(f"saved to {tc.out} in {time.time() - t0:.0f}s; temperature {cfg.temperature:.2f}")
    return Path(tc.out)
