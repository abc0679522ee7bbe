"""Score the lexicon silver labeler on a gold CSV (default: the shared dev gold set).

usage: python bench/lexicon_eval.py [GOLD_CSV] [--errors SIGNAL_OR_INTENT] [--n N]

Prints, for intent, precision / recall / F1 per class counting only posts where the labeler did not
abstain for precision (recall is over all gold posts of the class), the coverage (share of posts
with an intent), accuracy on the covered posts; for each trust signal precision / recall / F1 and
the micro-F1 over all ten; the sentiment-hint sign agreement; and the labelling speed.
``--errors NAME`` prints up to N wrong posts for one signal or intent (for finding rule gaps).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from model.lexicon import INTENTS, SIGNALS, LexiconLabeler

DEFAULT_GOLD = Path(__file__).resolve().parents[2] / "shared" / "data" / "gold" / "dev.csv"


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("gold", nargs="?", default=str(DEFAULT_GOLD))
    ap.add_argument("--errors", default=None, help="signal or intent name to list mistakes for")
    ap.add_argument("--n", type=int, default=30)
    args = ap.parse_args()

    gold = pd.read_csv(args.gold, dtype={"id": str})
    lab = LexiconLabeler.load()
    texts = gold.text.fillna("").astype(str).tolist()
    t0 = time.perf_counter()
    out = lab.label_many(texts)
    dt = time.perf_counter() - t0

    pred_int = [o.intent for o in out]
    covered = [i for i, p in enumerate(pred_int) if p is not None]
    print(f"n={len(gold)}  labelled in {dt:.3f}s ({len(gold) / dt:,.0f} posts/s)")
    print(
        f"\nINTENT  coverage {len(covered) / len(gold):.3f} ({len(covered)}/{len(gold)})  "
        f"accuracy on covered "
        f"{sum(pred_int[i] == gold.intent[i] for i in covered) / max(len(covered), 1):.3f}"
    )
    print(f"  {'class':16s} {'gold':>5s} {'pred':>5s} {'P':>6s} {'R':>6s} {'F1':>6s}")
    f1s = []
    for c in INTENTS:
        g = gold.intent == c
        pr = pd.Series([p == c for p in pred_int])
        tp, fp, fn = int((g & pr).sum()), int((~g & pr).sum()), int((g & ~pr).sum())
        p, r, f = prf(tp, fp, fn)
        if g.sum() >= 5:
            f1s.append(f)
        print(f"  {c:16s} {int(g.sum()):5d} {int(pr.sum()):5d} {p:6.3f} {r:6.3f} {f:6.3f}")
    print(f"  macro-F1 over classes with >=5 gold posts (abstain counts as wrong): {sum(f1s) / len(f1s):.3f}")

    print(f"\nSIGNALS  {'gold':>5s} {'pred':>5s} {'P':>6s} {'R':>6s} {'F1':>6s}")
    TP = FP = FN = 0
    for s in SIGNALS:
        g = gold[s].astype(int).values
        pr = [o.signals[s] for o in out]
        tp = int(sum(a and b for a, b in zip(g, pr)))
        fp = int(sum((not a) and b for a, b in zip(g, pr)))
        fn = int(sum(a and not b for a, b in zip(g, pr)))
        TP, FP, FN = TP + tp, FP + fp, FN + fn
        p, r, f = prf(tp, fp, fn)
        print(f"  {s:15s} {int(g.sum()):5d} {sum(pr):5d} {p:6.3f} {r:6.3f} {f:6.3f}")
    p, r, f = prf(TP, FP, FN)
    print(f"  {'micro':15s} {TP + FN:5d} {TP + FP:5d} {p:6.3f} {r:6.3f} {f:6.3f}")

    hinted = [(o.sentiment_hint, g) for o, g in zip(out, gold.sentiment) if o.sentiment_hint]
    agree = sum((h > 0 and g == "positive") or (h < 0 and g == "negative") for h, g in hinted)
    print(
        f"\nSENTIMENT hint: non-zero on {len(hinted)}/{len(gold)}, sign agrees with gold on "
        f"{agree / max(len(hinted), 1):.3f} of them"
    )

    if args.errors:
        name = args.errors
        print(f"\n--- errors for {name} ---")
        shown = 0
        for i, o in enumerate(out):
            if name in SIGNALS:
                g, p_ = int(gold[name][i]), o.signals[name]
                bad = g != p_
                tag = f"gold={g} pred={p_} ev={o.evidence.get(name)}"
            else:
                g_, p_ = gold.intent[i], o.intent
                bad = (g_ == name) != (p_ == name) and p_ is not None or (g_ == name and p_ is None)
                tag = f"gold={g_} pred={p_} ev={o.evidence.get('intent')}"
            if bad:
                print(f"[{gold.id[i]}] {tag}\n    {texts[i][:220]}")
                shown += 1
                if shown >= args.n:
                    break


if __name__ == "__main__":
    main()
