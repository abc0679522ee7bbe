"""``cocreate crisis``: replay a timestamped stream through the crisis detector and write its alerts."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from tqdm import tqdm

from cocreate.cli_helpers import fail


def _time(v, row: int) -> dt.datetime:
    try:
        t = dt.datetime.fromisoformat(str(v).strip().replace("Z", "+00:00"))
    except ValueError:
        fail(f"row {row}: created_at {v!r} is not an ISO 8601 time (e.g. 2026-10-16T20:32:00+08:00)")
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def crisis(
    stream: Path,
    output: Annotated[Path, typer.Option("-o", "--output")],
    text_column: Annotated[str, typer.Option(help="column/key with the text")] = "text",
    id_column: Annotated[str, typer.Option(help="column/key with the post id")] = "id",
    time_column: Annotated[str, typer.Option(help="column/key with the ISO time")] = "created_at",
    user_column: Annotated[Optional[str], typer.Option(help="column/key with the author")] = "user",
    precision: Annotated[Optional[str], typer.Option(help="auto, fp32, bf16 or int8")] = None,
) -> None:
    """Replay STREAM (CSV or JSONL with id, created_at, user, text) in stream time: one JSON alert per line."""
    from cocreate.loaders import load_analyzer
    from cocreate.textio import InputError, read_rows
    from model.crisis import PostEvent, assign_topics, replay

    try:
        rows = read_rows(stream, text_column=text_column, id_column=id_column)
        times = read_rows(stream, text_column=time_column, id_column=id_column).texts
        users = None
        if user_column:
            try:
                users = read_rows(stream, text_column=user_column, id_column=id_column).texts
            except InputError:
                users = None  # the user column is optional
    except InputError as e:
        fail(str(e))
    when = [_time(t, i) for i, t in enumerate(times)]
    try:
        analyzer = load_analyzer(precision=precision)
    except (FileNotFoundError, ValueError) as e:
        fail(str(e))
    with tqdm(total=len(rows.texts), desc="analyze", unit="post", file=sys.stderr) as bar:
        res = []
        for b in range(0, len(rows.texts), 256):
            res += analyzer.analyze(rows.texts[b : b + 256])
            bar.update(len(rows.texts[b : b + 256]))
    topics = assign_topics([a.embedding for a in res], when)
    events = [
        PostEvent(
            str(i),
            t,
            int(tp),
            a.sentiment["label"],
            float(a.sentiment["score"]),
            list(a.signals),
            users[k] if users else None,
            list(a.keywords),
        )
        for k, (i, t, tp, a) in enumerate(zip(rows.ids, when, topics, res))
    ]
    with tqdm(total=len(events), desc="replay", unit="post", file=sys.stderr) as bar:
        alerts, _ = replay(events, progress=bar.update)
    output.parent.mkdir(parents=True, exist_ok=True)
    alerts.sort(key=lambda a: a.opened_at)
    with output.open("w", encoding="utf-8") as f:
        for a in alerts:
            f.write(json.dumps(a.to_dict(), ensure_ascii=False) + "\n")
    # crises first, most severe first (safety and deception lead), then the notices in time order
    for a in sorted(alerts, key=lambda a: (a.kind != "crisis", -a.severity if a.kind == "crisis" else 0, a.opened_at)):
        mark = "!!" if a.kind == "crisis" else "  "
        typer.echo(f"{mark} {a.opened_at}  {a.kind:12s} sev {a.severity:2d}  {a.count:3d} posts  {a.label}")
    n_crisis = sum(a.kind == "crisis" for a in alerts)
    typer.echo(f"{len(events)} posts, {n_crisis} crisis alerts, {len(alerts) - n_crisis} notices; wrote {output}")
