"""Helpers shared by the benchmarks: data, machine facts, and the markdown report."""

from __future__ import annotations

import datetime as dt
import platform
import re
import subprocess
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REVIEWS_CSV = SHARED / "data" / "online_shopping_10_cats.csv"
GOLD_DEV = SHARED / "data" / "gold" / "dev.csv"
REPORTS = REPO / "bench" / "reports"


def analyzer_fingerprint() -> str:
    """Changes with any file of the shipped analyzer or the lexicons (keys the benches' caches)."""
    import hashlib

    h = hashlib.sha1()
    for d in (REPO / "data" / "models" / "analyzer", REPO / "data" / "lexicons"):
        for f in sorted(d.glob("*")):
            st = f.stat()
            h.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns}".encode())
            if f.suffix in (".json", ".yaml"):
                h.update(f.read_bytes())
    return h.hexdigest()[:16]


def load_reviews() -> pd.DataFrame:
    """The shared reviews (cat, label, review) with empty reviews dropped and the BOM stripped."""
    df = pd.read_csv(REVIEWS_CSV).dropna(subset=["review"])
    df["review"] = df["review"].astype(str).str.lstrip("\ufeff")
    return df.reset_index(drop=True)


def cpu_facts() -> str:
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    simd = [f for f in ("avx512_vnni", "avx512_bf16", "amx_tile") if re.search(rf"\b{f}\b", flags)]
    isa = "AVX-512 (" + ", ".join(simd) + ")" if "avx512f" in flags else ("AVX2 only" if "avx2" in flags else "?")
    model = re.search(r"model name\s*:\s*(.*)", flags)
    import os

    return f"{model.group(1) if model else platform.processor()}; {os.cpu_count()} cores; SIMD: {isa}"


def git_rev() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "?"


def md_table(rows: list[dict], cols: list[str] | None = None) -> str:
    cols = cols or list(rows[0].keys())
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        out.append("| " + " | ".join(_fmt(r.get(c, "")) for c in cols) + " |")
    return "\n".join(out)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:,.4f}" if abs(v) < 10 else f"{v:,.1f}"
    return str(v)


def write_report(name: str, title: str, command: str, body: str) -> Path:
    REPORTS.mkdir(parents=True, exist_ok=True)
    path = REPORTS / name
    head = (
        f"# {title}\n\nProduced by `{command}` on {dt.datetime.now():%Y-%m-%d %H:%M} "
        f"(commit {git_rev()}).\nMachine: {cpu_facts()}.\n\n"
    )
    path.write_text(head + body.strip() + "\n", encoding="utf-8")
    print(f"\nreport written to {path.relative_to(REPO)}")
    return path
