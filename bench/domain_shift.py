"""Domain shift: train without one category, test on that category's held-out reviews.

    .venv/bin/python bench/domain_shift.py [--cats 酒店 水果 计算机] [--epochs 1]

For each category, trains an analyzer on the training pool minus that category (the cached hidden
states of the main run are reused), then measures sentiment accuracy on the category's reviews in
the shared held-out split. Writes bench/reports/domain_shift.md. Target: ≥ 90% each.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import REPO, SHARED, md_table, write_report  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cats", nargs="+", default=["酒店", "水果", "计算机"])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument(
        "--like",
        type=Path,
        default=REPO / "data" / "models" / "analyzer",
        help="train like this analyzer (its recorded tuned layers, distillation weight, bf16)",
    )
    args = ap.parse_args()
    from cocreate.loaders import load_encoder
    from model.analyzer import Analyzer
    from training.signals import TrainConfig, load_reviews, split_reviews, train

    df = load_reviews(SHARED / "data" / "online_shopping_10_cats.csv")
    tc0 = TrainConfig()
    _, _, test_idx = split_reviews(df, tc0.test_size, tc0.val_size, tc0.seed)
    test = df.loc[test_idx]
    recorded = json.loads((args.like / "analyzer_config.json").read_text())["training"]["config"]
    shipped = {
        "tuned_layers": int(recorded["tuned_layers"]),
        "w_distill": float(recorded["w_distill"]),
        "bf16": recorded.get("bf16") == "True",
    }
    print(f"training like {args.like}: {shipped}")
    rows = []
    for cat in args.cats:
        out = REPO / "data" / "cache" / f"shift-{cat}"
        t = time.perf_counter()
        train(TrainConfig(exclude_cat=cat, epochs=args.epochs, out=out, **shipped))
        an = Analyzer.from_pretrained(out, encoder=load_encoder())
        sub = test[test["cat"] == cat]
        p = an.raw(sub["review"].tolist()).p_pos
        acc = float(((p >= 0.5) == sub["label"].values).mean())
        w, an.config.ngram_weight = an.config.ngram_weight, 0.0
        acc_enc = float(((an.raw(sub["review"].tolist()).p_pos >= 0.5) == sub["label"].values).mean())
        acc_ng = float(((an.ngram.logit(sub["review"].tolist()) > 0) == sub["label"].values).mean())
        rows.append(
            {
                "held-out category": cat,
                "test reviews": len(sub),
                "accuracy (shipped blend)": acc,
                "n-gram weight": w,
                "encoder alone": acc_enc,
                "char n-gram alone": acc_ng,
                "target": "≥ 0.90",
                "met": "yes" if acc >= 0.9 else "no",
                "minutes": (time.perf_counter() - t) / 60,
            }
        )
        print(rows[-1])
    body = f"""
Each row: an analyzer trained for {args.epochs} epoch(s) on the training pool with the category
removed (reviews and silver labels), tested on that category's reviews of the held-out split.
Training settings as the shipped analyzer's: {shipped}.

{md_table(rows)}
"""
    write_report("domain_shift.md", "Sentiment under domain shift", "python bench/domain_shift.py", body)
    (REPO / "out").mkdir(exist_ok=True)
    (REPO / "out" / "domain_shift.json").write_text(json.dumps(rows, ensure_ascii=False))


if __name__ == "__main__":
    main()
