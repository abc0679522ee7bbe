"""Crisis detection benchmark: week-long replay streams with a takeaway-like rhythm (bench/crisis_streams.py).

    .venv/bin/python bench/crisis.py                  # tuning seeds 0–9 and untouched seeds 101–104, report
    .venv/bin/python bench/crisis.py --fit            # re-fit the detector settings on the tuning seeds only,
                                                      # write data/crisis/config.json, then report
    .venv/bin/python bench/crisis.py --seeds 0 1 2    # any seeds, no report

Every seed runs the same code path as `cocreate crisis` (topics clustered from the first 48 h, then
the streaming detector). An alert counts for an injected crisis when most of its posts are that
crisis's posts; every other crisis alert is false. Writes bench/reports/crisis.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import REPO, md_table, write_report  # noqa: E402
from bench.crisis_pool import analysed_pool  # noqa: E402
from bench.crisis_streams import TUNING_SEEDS, UNTOUCHED_SEEDS, make_stream  # noqa: E402

CONFIG_FILE = REPO / "data" / "crisis" / "config.json"
GRID = {
    "p_keyword": [1e-7, 1e-6],
    "p_signal": [1e-5, 1e-4],
    "min_posts": [5, 6],
    "plain_min_posts": [6, 8, 10],
    "plain_factor": [1.0, 0.1],
    "floor": [0.1],
}


def seed_events(z, seed: int):
    from model.crisis import PostEvent, assign_topics

    s = make_stream(z["part"], seed)
    topics = assign_topics(z["emb"][s.pos].astype(np.float32), s.times, seed=seed)
    events = [
        PostEvent(
            f"{s.roles[k]}|{k}",
            s.times[k],
            int(topics[k]),
            str(z["label"][i]),
            float(z["score"][i]),
            [x for x in str(z["signals"][i]).split("|") if x],
            s.users[k],
            [w for w in str(z["keywords"][i]).split("|") if w],
        )
        for k, i in enumerate(s.pos)
    ]
    return s, events


def evaluate(s, events, config=None) -> dict:
    from model.crisis import replay

    t = time.process_time()  # CPU time of this process: the shared machine's load does not inflate it
    alerts, _ = replay(events, config)
    us = (time.process_time() - t) / len(events) * 1e6
    crises = [a for a in alerts if a.kind == "crisis"]

    def owner(a):
        roles = [p.split("|")[0] for p in a.post_ids]
        top = max(set(roles), key=roles.count)
        return top if roles.count(top) * 2 > len(roles) else "mixed"

    rows = []
    for j, (kind, start, n) in enumerate(s.crises):
        role = f"crisis:{kind}:{j}"
        hits = sorted((a for a in crises if owner(a) == role), key=lambda a: a.opened_at)
        first = hits[0] if hits else None
        delay = (dt.datetime.fromisoformat(first.opened_at) - start).total_seconds() / 60 if first else None
        rows.append(
            {
                "kind": kind,
                "start": start.strftime("%a %H:%M"),
                "posts": n,
                "caught": bool(first),
                "delay": round(delay, 1) if first else None,
                "severity": first.severity if first else None,
                "label": first.label if first else "—",
                "covered": sum(p.startswith(role + "|") for p in first.post_ids) / n if first else 0.0,
                "purity": sum(p.startswith(role + "|") for p in first.post_ids) / first.count if first else 0.0,
                "alerts": len(hits),
            }
        )
    false = [a for a in crises if not owner(a).startswith("crisis:")]
    notices = [a for a in alerts if a.kind != "crisis"]
    return {
        "crises": rows,
        "false": [(owner(a), a.label, a.count, a.severity, a.opened_at[5:16]) for a in false],
        "praise_as_crisis": sum(owner(a) == "praise" for a in crises),
        "slow_as_crisis": sum(owner(a) == "slow" for a in crises),
        "notice_sev": max((a.severity for a in notices), default=0),
        "notices": Counter_str(a.kind for a in notices),
        "us": us,
        "posts": len(events),
    }


def Counter_str(kinds) -> str:  # noqa: N802
    from collections import Counter

    return ", ".join(f"{k} {v}" for k, v in sorted(Counter(kinds).items())) or "—"


def summarise(results: dict[int, dict]) -> dict:
    cr = [c for r in results.values() for c in r["crises"]]
    in_time = sum(c["caught"] and c["delay"] <= 30 for c in cr)
    return {
        "crises": len(cr),
        "in_time": in_time,
        "caught": sum(c["caught"] for c in cr),
        "false": sum(len(r["false"]) for r in results.values()),
        "max_false": max(len(r["false"]) for r in results.values()),
        "praise": sum(r["praise_as_crisis"] for r in results.values()),
        "us": max(r["us"] for r in results.values()),
        "worst_delay": max((c["delay"] for c in cr if c["caught"]), default=None),
    }


def run(seeds, streams, config=None) -> dict[int, dict]:
    return {sd: evaluate(*streams[sd], config) for sd in seeds}


def fit(streams) -> dict:
    """Grid over the thresholds on the tuning seeds: ≤ 1 false a week first, then fewest late crises
    plus half the false alerts, then the shortest worst delay."""
    from model.crisis import CrisisConfig

    best = None
    for vals in itertools.product(*GRID.values()):
        params = dict(zip(GRID, vals))
        sm = summarise(run(TUNING_SEEDS, streams, CrisisConfig(**params)))
        # a false alert costs half a late crisis: margin for noisier streams than the tuning ones
        score = (sm["max_false"] > 1, sm["crises"] - sm["in_time"] + 0.5 * sm["false"], sm["worst_delay"] or 1e9)
        print(params, {k: v for k, v in sm.items() if k != "us"}, flush=True)
        if best is None or score < best[0]:
            best = (score, params, sm)
    CONFIG_FILE.parent.mkdir(parents=True, exist_ok=True)
    CONFIG_FILE.write_text(
        json.dumps({"fitted_on": f"bench/crisis.py --fit, tuning seeds {TUNING_SEEDS}", "settings": best[1]}, indent=1)
        + "\n",
        encoding="utf-8",
    )
    print("fitted:", best[1], "->", CONFIG_FILE.relative_to(REPO))
    return best[1]


def table(results: dict[int, dict]) -> list[dict]:
    out = []
    for sd, r in results.items():
        for c in r["crises"]:
            out.append(
                {
                    "seed": sd,
                    "kind": c["kind"],
                    "start": c["start"],
                    "posts": c["posts"],
                    "delay min": c["delay"] if c["caught"] else "missed",
                    "severity": c["severity"] or "—",
                    "label": c["label"],
                    "injected covered": f"{c['covered']:.0%}",
                    "alert purity": f"{c['purity']:.0%}",
                    "false crises (week)": len(r["false"]),
                    "notices (week)": r["notices"],
                    "µs/post": round(r["us"], 1),
                }
            )
    return out


def summary_rows(name: str, sm: dict) -> list[dict]:
    return [
        {
            "seeds": name,
            "target": "every crisis caught within 30 min",
            "measured": f"{sm['in_time']}/{sm['crises']} (caught at all {sm['caught']}; worst {sm['worst_delay']} min)",
            "met": "yes" if sm["in_time"] == sm["crises"] else "no",
        },
        {
            "seeds": name,
            "target": "praise spikes never a crisis",
            "measured": str(sm["praise"]),
            "met": "yes" if sm["praise"] == 0 else "no",
        },
        {
            "seeds": name,
            "target": "≤ 1 false crisis alert per stream-week",
            "measured": f"{sm['false']} in {sm['weeks']} weeks (max {sm['max_false']} in a week)",
            "met": "yes" if sm["max_false"] <= 1 else "no",
        },
        {
            "seeds": name,
            "target": "≤ 50 µs per post",
            "measured": f"{sm['us']:.1f} µs CPU (worst seed)",
            "met": "yes" if sm["us"] <= 50 else "no",
        },
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fit", action="store_true")
    ap.add_argument("--seeds", type=int, nargs="*")
    args = ap.parse_args()
    z = analysed_pool()
    seeds = args.seeds if args.seeds else TUNING_SEEDS + UNTOUCHED_SEEDS
    streams = {sd: seed_events(z, sd) for sd in (set(seeds) | (set(TUNING_SEEDS) if args.fit else set()))}
    if args.fit:
        fit(streams)
    from model.crisis import CrisisConfig

    cfg = CrisisConfig.fitted()
    results = run(seeds, streams, cfg)
    for sd, r in results.items():
        print(
            sd,
            [(c["kind"], c["delay"], c["severity"], c["label"]) for c in r["crises"]],
            "false:",
            r["false"],
            "notices:",
            r["notices"],
            f"{r['us']:.1f} µs",
            flush=True,
        )
    if args.seeds:
        print(summarise(results))
        return
    parts = []
    for name, group in (("untouched", UNTOUCHED_SEEDS), ("tuning", TUNING_SEEDS)):
        sm = summarise({s: results[s] for s in group})
        sm["weeks"] = len(group)
        parts.append((name, group, sm))
    summary = [row for name, group, sm in parts for row in summary_rows(f"{name} {group}", sm)]
    false_list = (
        "\n".join(
            f"- seed {sd}: "
            + "; ".join(f"{o} 「{lab}」 {n} posts, severity {sev}, {when}" for o, lab, n, sev, when in r["false"])
            for sd, r in results.items()
            if r["false"]
        )
        or "none"
    )
    sev = {}
    for r in results.values():
        for c in r["crises"]:
            if c["caught"]:
                sev.setdefault(c["kind"], []).append(c["severity"])
    sev_line = ", ".join(f"{k} {np.mean(v):.1f}" for k, v in sorted(sev.items(), key=lambda kv: -np.mean(kv[1])))
    notice_max = max(r["notice_sev"] for r in results.values())
    body = (
        f"Settings: `{json.dumps({k: (str(v) if isinstance(v, dt.timedelta) else v) for k, v in dataclasses.asdict(cfg).items()}, ensure_ascii=False)}`.\n\n"
        "Streams (bench/crisis_streams.py): one week each, 1,500–4,000 background posts (fruit, dairy and "
        "hotel reviews; 30–60% negative, more at the meal peaks) on an hour-of-day curve with lunch and dinner "
        "peaks and quiet nights and a day-of-week curve; two crises of 40–60 posts in 90 minutes (hygiene, "
        "deception, deceptive promotion, safety, outage), an 80-post praise spike in 2 h and a 40-post "
        "slow-delivery wave in 3 h at dinner time. Untouched seeds were never run while tuning.\n\n"
        + md_table(summary)
        + f"\n\nMean severity of caught crises by kind: {sev_line}; notices at most "
        f"{notice_max}.\n\n## Per crisis\n\n"
        + md_table(table(results))
        + "\n\n## False crisis alerts (owner = the role most of its posts have)\n\n"
        + false_list
        + "\n"
    )
    write_report("crisis.md", "Crisis detection over replayed takeaway-rhythm streams", "python bench/crisis.py", body)


if __name__ == "__main__":
    main()
