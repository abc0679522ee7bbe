"""Import annotators' and writers' files into the repo's label files, validating every row.

    python -m training.import_labels --reviews DIR... --written DIR... [--check]

- ``--reviews DIR``: folders of ``out/chunk_NN.tsv`` (``id<TAB>neg|neu|pos<TAB>intent<TAB>signals``)
  from annotators who read the shared reviews; written to ``data/labels/reviews.tsv`` (ids and labels
  only: the shared texts never enter the repo). A row whose id is not in its input chunk is refused.
- ``--written DIR``: folders of ``part_NN.jsonl`` (``{"d", "st", "s", "i", "t", "x"}``) of posts we
  wrote; written to ``data/written/posts_v4.jsonl`` in the training format. Exact duplicates dropped.
Bad rows are reported with file and line and left out. Labels settled by adjudication in the
agreement study (``data/labels/agreement.tsv``, see ``python -m training.agreement``) replace the
first pass's for the posts concerned.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from pathlib import Path

from model.heads import INTENTS, SIGNALS

REPO = Path(__file__).resolve().parents[1]
SENT = {"neg": "negative", "neu": "neutral", "pos": "positive"}
STYLES = {"review", "forum", "appstore", "weibo"}


def parse_review_label(line: str) -> tuple[str, str, str, list[str]]:
    parts = line.rstrip("\n").split("\t")
    if len(parts) != 4:
        raise ValueError(f"expected 4 tab-separated fields, got {len(parts)}")
    id_, sent, intent, sig = (p.strip() for p in parts)
    if not (id_.startswith("s") and id_[1:].isdigit()):
        raise ValueError(f"bad id {id_!r}")
    if sent not in SENT:
        raise ValueError(f"bad sentiment {sent!r}")
    if intent not in INTENTS:
        raise ValueError(f"bad intent {intent!r}")
    sigs = [] if sig in {"-", ""} else [s.strip() for s in sig.split(",")]
    bad = [s for s in sigs if s not in SIGNALS]
    if bad:
        raise ValueError(f"unknown signals {bad}")
    return id_, sent, intent, with_purchase(sigs)


def with_purchase(sigs) -> list[str]:
    """LABELS.md: purchase is 1 whenever repurchase is 1 (annotators often left it implied)."""
    sigs = set(sigs)
    if "repurchase" in sigs:
        sigs.add("purchase")
    return sorted(sigs, key=SIGNALS.index)


def parse_written(obj: dict) -> dict:
    if set(obj) != {"d", "st", "s", "i", "t", "x"}:
        raise ValueError(f"fields {sorted(obj)}")
    if obj["s"] not in SENT or obj["i"] not in INTENTS or obj["st"] not in STYLES:
        raise ValueError("bad sentiment, intent or style")
    if not isinstance(obj["t"], list) or any(s not in SIGNALS for s in obj["t"]):
        raise ValueError(f"bad signals {obj['t']}")
    text = str(obj["x"]).strip()
    if not text or "\t" in text or "\n" in text:
        raise ValueError("empty text or a tab/newline inside")
    sig = with_purchase(obj["t"])
    return {
        "text": text,
        "domain": obj["d"],
        "style": obj["st"],
        "sentiment": SENT[obj["s"]],
        "intent": obj["i"],
        "signals": sig,
    }


def text_key(text: str) -> str:
    """How the agreement study names a written post (its texts stay in data/written only)."""
    return "w:" + hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:16]


def settled_labels(path: Path = REPO / "data" / "labels" / "agreement.tsv") -> dict[str, tuple[str, str, list[str]]]:
    """source id → (sentiment, intent, signals) settled by adjudication (rows where the two readings differed)."""
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        f = line.split("\t")
        if len(f) >= 12 and f[11] != "agree":
            out[f[1]] = (f[8], f[9], with_purchase([] if f[10] in {"-", ""} else f[10].split(",")))
    return out


def import_reviews(dirs: list[Path]) -> tuple[list[str], list[str]]:
    rows, errors, seen = [], [], set()
    settled = settled_labels()
    for d in dirs:
        for out in sorted((d / "out").glob("chunk_*.tsv")):
            src = d / out.name
            want = [x.split("\t", 1)[0] for x in src.read_text(encoding="utf-8").splitlines() if x.strip()]
            lines = [x for x in out.read_text(encoding="utf-8").splitlines() if x.strip()]
            for k, line in enumerate(lines, 1):
                try:
                    id_, sent, intent, sig = parse_review_label(line)
                    if id_ not in want:
                        raise ValueError(f"id {id_} is not in {src.name}")
                    if id_ in seen:
                        raise ValueError(f"id {id_} labelled twice")
                except ValueError as e:
                    errors.append(f"{out}:{k}: {e}")
                    continue
                seen.add(id_)
                if id_ in settled:
                    sent, intent, sig = settled[id_]
                rows.append(f"{id_}\t{sent}\t{intent}\t{','.join(sig) or '-'}")
            missing = set(want) - seen
            if missing:
                errors.append(f"{out}: {len(missing)} ids of {src.name} have no label")
    return rows, errors


def import_written(dirs: list[Path]) -> tuple[list[dict], list[str]]:
    rows, errors, seen = [], [], set()
    settled = settled_labels()
    for d in dirs:
        for part in sorted(d.glob("part_*.jsonl")):
            for k, line in enumerate(part.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    r = parse_written(json.loads(line))
                except (ValueError, json.JSONDecodeError, TypeError) as e:
                    errors.append(f"{part}:{k}: {e}")
                    continue
                if r["text"] in seen:
                    errors.append(f"{part}:{k}: duplicate text")
                    continue
                seen.add(r["text"])
                if text_key(r["text"]) in settled:
                    sent, r["intent"], r["signals"] = settled[text_key(r["text"])]
                    r["sentiment"] = SENT[sent]
                rows.append(r)
    return rows, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reviews", type=Path, nargs="*", default=[])
    ap.add_argument("--written", type=Path, nargs="*", default=[])
    ap.add_argument("--check", action="store_true", help="validate and count only; write nothing")
    args = ap.parse_args()
    if args.reviews:
        rows, errors = import_reviews(args.reviews)
        print(f"reviews: {len(rows)} labelled rows, {len(errors)} problems")
        for e in errors[:20]:
            print("  " + e)
        print("  intents:", dict(Counter(r.split("\t")[2] for r in rows)))
        if not args.check:
            out = REPO / "data" / "labels" / "reviews.tsv"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text("id\tsentiment\tintent\tsignals\n" + "\n".join(rows) + "\n", encoding="utf-8")
            print(f"  -> {out}")
    if args.written:
        rows, errors = import_written(args.written)
        print(f"written: {len(rows)} posts, {len(errors)} problems")
        for e in errors[:20]:
            print("  " + e)
        print("  domains:", dict(Counter(r["domain"] for r in rows)))
        print("  styles:", dict(Counter(r["style"] for r in rows)))
        print("  intents:", dict(Counter(r["intent"] for r in rows)))
        if not args.check:
            out = REPO / "data" / "written" / "posts_v4.jsonl"
            out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
            print(f"  -> {out}")


if __name__ == "__main__":
    main()
