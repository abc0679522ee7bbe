"""``cocreate cluster``: analyse posts, cluster feature requests (or all posts) into labelled ideas."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from tqdm import tqdm

from cocreate.cli_helpers import IdColumn, TextColumn, fail, load_input


def cluster(
    input: Path,
    output: Annotated[Path, typer.Option("-o", "--output")],
    text_column: TextColumn = "text",
    id_column: IdColumn = None,
    all_posts: Annotated[
        bool, typer.Option("--all-posts", help="cluster every post into topics, not only feature requests")
    ] = False,
    user_column: Annotated[Optional[str], typer.Option(help="column with the author; adds 'users' counts")] = None,
    min_cluster_size: Annotated[Optional[int], typer.Option(help="smallest idea kept")] = None,
    precision: Annotated[Optional[str], typer.Option(help="auto, fp32, bf16 or int8")] = None,
) -> None:
    """Cluster feature requests into ideas with Chinese labels: {"clusters": [...], "unclustered": [...]}."""
    from cocreate.loaders import load_analyzer
    from model.clustering import IdeaClusterer
    from model.ideas import cluster_analyses

    rows = load_input(input, text_column, id_column)
    users = None
    if user_column:
        from cocreate.textio import InputError, read_rows

        try:
            users = read_rows(input, text_column=user_column, id_column=id_column).texts
        except InputError as e:
            fail(str(e))
    try:
        analyzer = load_analyzer(precision=precision)
    except (FileNotFoundError, ValueError) as e:
        fail(str(e))
    win_total = len(analyzer.encoder.windows(rows.texts).ids) if rows.texts else 0
    with tqdm(total=win_total, desc="analyze", unit="window", file=sys.stderr) as bar:
        res = analyzer.analyze(rows.texts, progress=bar.update)
    clusterer = IdeaClusterer(min_cluster_size=min_cluster_size) if min_cluster_size else None
    with tqdm(total=1, desc="cluster", file=sys.stderr) as bar:
        summaries, unclustered, fitted = cluster_analyses(
            rows.texts,
            rows.ids,
            res,
            all_posts=all_posts,
            clusterer=clusterer,
            users=users,
            segmenter=analyzer.segmenter,
        )
        bar.update(1)
    output.parent.mkdir(parents=True, exist_ok=True)
    doc = {"clusters": [s.to_json() for s in summaries], "unclustered": unclustered}
    output.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    what = "posts" if all_posts else "feature requests"
    n_sel = sum(s.size for s in summaries) + len(unclustered)
    typer.echo(f"{n_sel} {what} → {len(summaries)} clusters, {len(unclustered)} unclustered; wrote {output}")
    for s in summaries[:10]:
        typer.echo(f"  [{s.id}] {s.label} — {s.size} posts" + (f" from {s.users} users" if s.users else ""))
