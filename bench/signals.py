"""Signals benchmark: every target of the analyzer issue in one run, held-out domains first.

    .venv/bin/python bench/signals.py [--speed-n 10000] [--skip-speed]

Trains nothing of ours. Reads:
- the analyzers trained with whole domains held out (``data/cache/holdout/{teacher,student}``, made
  by ``make train-holdout``): figures on those domains, which no training or tuning step saw;
- the shipped analyzers (``data/models/analyzer``, the default 6-layer student, and
  ``data/models/teacher``): the in-domain labelled test rows, the dev gold through
  ``../shared/tools/eval_gold.py``, and sentiment on the 5,000 held-out shared reviews against SnowNLP and
  char TF-IDF + LR fitted here;
- speed: the whole ``cocreate analyze`` process (model load included) against a whole SnowNLP process
  on the same texts, timed in this run, SnowNLP before and after ours (the machine drifts).
Writes bench/reports/signals.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import GOLD_DEV, REPO, SHARED, md_table, write_report  # noqa: E402
from training.metrics import TARGETS, figures, labelled_sets, per_intent  # noqa: E402
from training.signals import load_reviews  # noqa: E402

PY = sys.executable
COCREATE = str(Path(PY).parent / "cocreate")
HOLDOUT = REPO / "data" / "cache" / "holdout"
SHIPPED = {"student (default)": REPO / "data" / "models" / "analyzer", "teacher": REPO / "data" / "models" / "teacher"}
SNOW_SCRIPT = """
import sys, csv
from snownlp import SnowNLP
rows = list(csv.DictReader(open(sys.argv[1], encoding='utf-8')))
with open(sys.argv[2], 'w', encoding='utf-8') as f:
    for r in rows:
        f.write(f"{SnowNLP(r['text']).sentiments}\\n")
"""


def ece(p: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error of P(pos) against binary labels (equal-width bins)."""
    edges = np.linspace(0, 1, bins + 1)
    conf = np.where(p >= 0.5, p, 1 - p)
    pred = (p >= 0.5).astype(int)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi) if lo > 0 else (conf >= lo) & (conf <= hi)
        if m.any():
            total += m.mean() * abs((pred[m] == y[m]).mean() - conf[m].mean())
    return float(total)


def load(path: Path):
    from cocreate.loaders import load_encoder, load_segmenter, load_text_lexicon
    from model.analyzer import Analyzer

    return Analyzer.from_pretrained(
        path, encoder=load_encoder(), segmenter=load_segmenter(), lexicon=load_text_lexicon()
    )


def predict(analyzer, texts: list[str]) -> list[dict]:
    return [a.to_json(k) for k, a in enumerate(analyzer.analyze(texts, keywords=0))]


def table(sets: dict[str, tuple[pd.DataFrame, list[dict]]]) -> list[dict]:
    rows = []
    for name, (gold, preds) in sets.items():
        f = figures(gold, preds)
        rows.append({"set": name, "n": len(gold), **{k: f.get(k, float("nan")) for k in TARGETS}})
    return rows


def run_timed(cmd: list[str], env=None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--speed-n", type=int, default=10_000)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--speed-teacher", action="store_true", help="also time the 12-layer teacher")
    args = ap.parse_args()
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    out_dir = REPO / "out" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    body = []
    targets: dict[str, dict] = {}

    # ---- 1. held-out domains: analyzers that never saw them
    held_rows, per_domain, confusion, held_note = [], [], None, ""
    for role in ("teacher", "student"):
        path = HOLDOUT / role
        if not (path / "analyzer_config.json").exists():
            print(f"{path}: missing (make train-holdout); held-out figures skipped for the {role}")
            continue
        an = load(path)
        sets = labelled_sets(path)
        held = sets["held-out domains"]
        preds = predict(an, held["text"].tolist())
        t = time.perf_counter()
        row = table({f"{role}: held-out domains": (held, preds)})[0]
        held_rows.append(row)
        for dom, g in held.groupby("domain"):
            idx = g.index.values
            f = figures(g, [preds[i] for i in idx])
            per_domain.append(
                {
                    "model": role,
                    "domain": dom,
                    "n": len(g),
                    "sentiment accuracy (polar)": f.get("sentiment accuracy (polar posts)"),
                    "sentiment 3-class macro-F1": f["sentiment 3-class macro-F1"],
                    "intent macro-F1": f["intent macro-F1"],
                    "feature_request F1": f["feature_request F1"],
                    "trust micro-F1": f["trust micro-F1"],
                }
            )
        confusion = per_intent(held, preds)  # of the last model read (the student when present)
        print(row, f"({time.perf_counter() - t:.0f}s)")
        rec = json.loads((path / "split.json").read_text())
        held_note = (
            f"Held out: written domains {', '.join(rec['holdout_domains'])} and the shared "
            f"category {rec['exclude_cat']} (no training, no tuning)."
        )
    if held_rows:
        body.append(
            f"## 1. Held-out domains (never trained or tuned on)\n\n{held_note}\n\n{md_table(held_rows)}"
            f"\n\nPer domain:\n\n{md_table(per_domain)}\n\nIntent confusion of the last model above "
            f"(rows gold):\n\n```\n{confusion.to_string()}\n```"
        )
        targets["held-out"] = held_rows[-1]

    # ---- 2. shipped analyzers: in-domain labelled test rows and the dev gold
    gold = pd.read_csv(GOLD_DEV, dtype={"id": str})
    ship_rows, shipped = [], {}
    for name, path in SHIPPED.items():
        if not (path / "analyzer_config.json").exists():
            continue
        an = load(path)
        shipped[name] = an
        test = labelled_sets(path)["in-domain test"]
        r = table(
            {
                f"{name}: in-domain test": (test, predict(an, test["text"].tolist())),
                f"{name}: dev gold": (gold, predict(an, gold["text"].tolist())),
            }
        )
        ship_rows += r
        print(r)
    body.append(f"## 2. Shipped analyzers: in-domain test rows and dev gold\n\n{md_table(ship_rows)}")
    targets["dev gold"] = next(r for r in ship_rows if r["set"] == "student (default): dev gold")
    gold_out = out_dir / "dev_gold.jsonl"
    subprocess.run(
        [COCREATE, "analyze", str(GOLD_DEV), "-o", str(gold_out), "--id-column", "id"], check=True, capture_output=True
    )
    ev = subprocess.run(
        [PY, str(SHARED / "tools" / "eval_gold.py"), str(GOLD_DEV), str(gold_out)], capture_output=True, text=True
    )
    print(ev.stdout)
    body.append(f"Default `cocreate analyze` through the official scorer:\n\n```\n{ev.stdout.strip()}\n```")

    # ---- 3. sentiment on the 5,000 held-out shared reviews, against baselines fitted here
    df = load_reviews(SHARED / "data" / "online_shopping_10_cats.csv")
    split = json.loads((SHIPPED["student (default)"] / "split.json").read_text())
    test = df.loc[split["test_rows"]]
    train = df.drop(index=split["test_rows"] + split["val_rows"])
    y = test["label"].values
    systems = {f"cocreate {k}": an.raw(test["review"].tolist()).p_pos for k, an in shipped.items()}
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    lr = LogisticRegression(max_iter=2000, C=4.0).fit(vec.fit_transform(train["review"]), train["label"])
    systems["char 1–3-gram TF-IDF + LR"] = lr.predict_proba(vec.transform(test["review"]))[:, 1]
    from snownlp import SnowNLP

    systems["SnowNLP (shipped model)"] = np.array([SnowNLP(t).sentiments for t in test["review"]])
    rows = []
    for cat in sorted(test["cat"].unique()) + ["all"]:
        m = np.ones(len(test), bool) if cat == "all" else (test["cat"] == cat).values
        rows.append(
            {
                "category": cat,
                "n": int(m.sum()),
                **{k: float(((p[m] >= 0.5) == y[m]).mean()) for k, p in systems.items()},
            }
        )
    cal = [{"system": k, "ECE of P(pos)": ece(p, y)} for k, p in systems.items()]
    targets["shared"] = rows[-1]
    body.append(
        f"## 3. Sentiment on the {len(test):,} held-out shared reviews\n\n{md_table(rows)}\n\n"
        f"Calibration:\n\n{md_table(cal)}"
    )
    print(md_table(rows))

    # ---- 4. speed: whole processes on the same texts
    speed_rows = []
    if not args.skip_speed:
        sp = df.sample(args.speed_n, random_state=11)
        inp = out_dir / "speed.csv"
        sp[["review"]].rename(columns={"review": "text"}).to_csv(inp, index=False)
        snow = out_dir / "snownlp_speed.py"
        snow.write_text(SNOW_SCRIPT, encoding="utf-8")

        def snow_run(tag):
            secs = run_timed([PY, str(snow), str(inp), str(out_dir / "snow.txt")])
            speed_rows.append({"system": f"SnowNLP sentiment, whole process ({tag})", "posts/s": len(sp) / secs})

        snow_run("before ours")
        for name, path in SHIPPED.items():
            if not (path / "analyzer_config.json").exists() or (name == "teacher" and not args.speed_teacher):
                continue
            env = {**os.environ, "COCREATE_ANALYZER": str(path)}
            secs = run_timed([COCREATE, "analyze", str(inp), "-o", str(out_dir / "speed.jsonl")], env=env)
            res = [json.loads(x) for x in (out_dir / "speed.jsonl").read_text(encoding="utf-8").splitlines()]
            acc = float(np.mean([(r["sentiment"]["score"] > 0) == lab for r, lab in zip(res, sp["label"])]))
            speed_rows.append(
                {"system": f"cocreate analyze, {name}", "posts/s": len(sp) / secs, "sentiment accuracy": acc}
            )
            print(speed_rows[-1])
        snow_run("after ours")
        sn = [r["posts/s"] for r in speed_rows if r["system"].startswith("SnowNLP")]
        for r in speed_rows:
            r["× SnowNLP (mean of both runs)"] = r["posts/s"] / float(np.mean(sn))
        body.append(f"## 4. Speed: whole process, model load included, {len(sp):,} reviews\n\n{md_table(speed_rows)}")
        print(md_table(speed_rows))

    # ---- targets
    tr = []
    for src in ("held-out", "dev gold"):
        r = targets.get(src)
        if not r:
            continue
        for k, goal in TARGETS.items():
            v = r.get(k)
            if v is None or (isinstance(v, float) and np.isnan(v)):
                continue
            tr.append(
                {"target": f"{k} ≥ {goal}", "where": r["set"], "measured": v, "met": "yes" if v >= goal else "no"}
            )
    acc_all = targets["shared"]["cocreate student (default)"]
    tr.append(
        {
            "target": "sentiment accuracy, held-out shared split ≥ 0.95",
            "where": "5,000 shared test reviews",
            "measured": acc_all,
            "met": "yes" if acc_all >= 0.95 else "no",
        }
    )
    if speed_rows:
        d = next(r for r in speed_rows if r["system"].endswith("student (default)"))
        tr.append(
            {
                "target": "default `cocreate analyze` ≥ 1.0× SnowNLP posts/s",
                "where": f"{args.speed_n:,} reviews",
                "measured": d["× SnowNLP (mean of both runs)"],
                "met": "yes" if d["× SnowNLP (mean of both runs)"] >= 1 else "no",
            }
        )
    body.insert(0, f"## Targets\n\n{md_table(tr)}")
    print(md_table(tr))
    write_report(
        "signals.md", "Signals: sentiment, intent, trust (analyzer v4)", "python bench/signals.py", "\n\n".join(body)
    )


if __name__ == "__main__":
    main()
