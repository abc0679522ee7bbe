"""Cross-domain intent check on the demo community (a phone forum we wrote, not review data).

    .venv/bin/python bench/demo_intents.py

The demo generator (data/demo/make_demo.py) knows what each post was written as (idea, one-off
request, bug, praise, question, chatter, crisis post); this maps those to the intent they should
get and reports recall per kind and the confusion. Writes bench/reports/demo_intents.md.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data" / "demo"))
from bench.common import md_table, write_report  # noqa: E402

EXPECTED = {
    "idea": "feature_request",
    "request": "feature_request",
    "bug": "bug_report",
    "praise": "praise",
    "question": "question",
    "chatter": "other",
}


def main() -> None:
    import make_demo

    from cocreate.loaders import load_analyzer
    from model.heads import INTENTS

    rows = make_demo.build()
    analyzer = load_analyzer()
    res = analyzer.analyze([r["text"] for r in rows])
    conf: dict[str, Counter] = {}
    for r, a in zip(rows, res):
        conf.setdefault(r["kind"], Counter())[a.intent["label"]] += 1
    table = []
    for kind, counts in conf.items():
        want = EXPECTED.get(kind)
        n = sum(counts.values())
        table.append(
            {
                "written as": kind,
                "posts": n,
                "expected intent": want or "(crisis: complaint or bug)",
                "recall": counts[want] / n if want else (counts["complaint"] + counts["bug_report"]) / n,
                **{i: counts[i] for i in INTENTS},
            }
        )
    print(md_table(table))
    body = f"""
Analyzer precision: {analyzer.precision}. Posts of the fictional 星火手机 forum, labelled by how
they were written (not by the LABELS.md annotation procedure, so read this as a sanity check on
a new domain, not a gold figure).

{md_table(table)}
"""
    write_report("demo_intents.md", "Intent on the demo phone forum", "python bench/demo_intents.py", body)


if __name__ == "__main__":
    main()
