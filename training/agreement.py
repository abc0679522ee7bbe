"""Inter-annotator agreement on the 600-post sample labelled twice (``data/labels/agreement.tsv``).

    python -m training.agreement

The sample: 300 shared reviews drawn from the first annotation pass and 300 of the posts we wrote,
shuffled, labelled a second time by an annotator who saw neither the first labels nor the source.
Columns A_* are the first reading (annotator, or the writer's own labels), B_* the second, settled_*
the adjudicated labels (LABELS.md decides; the rules applied are in ``adjudication_rules.md``).
Prints Cohen's kappa per field (sentiment, intent, each signal), overall and per source, and writes
``data/labels/AGREEMENT.md``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.metrics import cohen_kappa_score

from model.heads import SIGNALS

REPO = Path(__file__).resolve().parents[1]
FILE = REPO / "data" / "labels" / "agreement.tsv"


def kappas(df: pd.DataFrame) -> dict[str, float]:
    out = {
        "sentiment": cohen_kappa_score(df.A_sentiment, df.B_sentiment),
        "intent": cohen_kappa_score(df.A_intent, df.B_intent),
    }
    for s in SIGNALS:
        a = df.A_signals.str.split(",").apply(lambda x: s in x)
        b = df.B_signals.str.split(",").apply(lambda x: s in x)
        out[s] = cohen_kappa_score(a, b) if (a.any() or b.any()) else float("nan")
    return out


def main() -> None:
    df = pd.read_csv(FILE, sep="\t", dtype=str, keep_default_na=False)
    groups = {
        "all 600": df,
        "shared reviews": df[df.source.str.startswith("s")],
        "written posts": df[df.source.str.startswith("w:")],
    }
    rows = {name: kappas(g) for name, g in groups.items()}
    table = pd.DataFrame(rows).round(3)
    table.index.name = "field"
    print(table.to_string())
    wins = df.winner.value_counts().to_dict()
    md = [
        "# Agreement of the hand labels",
        "",
        "Produced by `python -m training.agreement` from `agreement.tsv` (600 posts labelled twice, independently).",
        "",
        "Cohen's kappa per field (first reading vs second reading, before adjudication):",
        "",
        "| field | " + " | ".join(f"{k} (n={len(g)})" for k, g in groups.items()) + " |",
        "|---|" + "---|" * len(groups),
    ]
    for field in table.index:
        md.append(f"| {field} | " + " | ".join(f"{table.loc[field, k]:.3f}" for k in groups) + " |")
    md += [
        "",
        f"Raw agreement: sentiment {(df.A_sentiment == df.B_sentiment).mean():.3f}, "
        f"intent {(df.A_intent == df.B_intent).mean():.3f}.",
        f"Posts with any difference: {int((df.winner != 'agree').sum())}; settled for the first reading "
        f"{wins.get('A', 0)}, for the second {wins.get('B', 0)}, neither {wins.get('both-wrong', 0)}. "
        "The settled labels replace the first reading in the training data (`python -m training.import_labels`); "
        "the rules applied, grouped by kind, are in `adjudication_rules.md`.",
    ]
    (FILE.parent / "AGREEMENT.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    print(f"-> {FILE.parent / 'AGREEMENT.md'}")


if __name__ == "__main__":
    main()
