"""Reading posts from CSV / JSONL / TXT files with clear errors, and writing JSONL."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

csv.field_size_limit(sys.maxsize)


class InputError(ValueError):
    """A file the tool cannot use; the message says what to fix."""


@dataclass
class Rows:
    ids: list[str | int]
    texts: list[str]
    extra: list[dict]  # every column of the row, for commands that need more than the text


def _detect(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv"}:
        return suffix[1:]
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix in {".txt", ".text", ""}:
        return "txt"
    raise InputError(f"{path}: unknown file type {suffix!r}; use .csv, .tsv, .jsonl or .txt")


def read_rows(
    path: str | Path, text_column: str = "text", id_column: str | None = None, fmt: str | None = None
) -> Rows:
    """Rows of ``path``: TXT is one post per non-empty line (ids are 0-based line numbers among
    them); CSV/TSV need a header with ``text_column``; JSONL needs an object per line.

    Missing text values raise, naming the row; ``id`` is the id column's value, else the row number.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a file")
    kind = _detect(path, fmt)
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text (byte {e.start}); re-save it as UTF-8") from e
    if kind == "txt":
        lines = [ln for ln in raw.splitlines() if ln.strip()]
        return Rows(list(range(len(lines))), lines, [{"text": ln} for ln in lines])
    records = list(_records(path, raw, kind))
    if records and text_column not in records[0][1]:
        cols = ", ".join(map(str, records[0][1].keys()))
        raise InputError(f"{path}: no column {text_column!r} (columns: {cols}); pass --text-column")
    if id_column and records and id_column not in records[0][1]:
        raise InputError(
            f"{path}: no column {id_column!r} for ids; columns: " + ", ".join(map(str, records[0][1].keys()))
        )
    ids, texts, extra = [], [], []
    for i, (where, rec) in enumerate(records):
        value = rec.get(text_column)
        if value is None:
            raise InputError(f"{path}: {where} has no {text_column!r} value")
        if not isinstance(value, str):
            value = str(value)
        texts.append(value)
        ids.append(rec[id_column] if id_column else i)
        extra.append(rec)
    return Rows(ids, texts, extra)


def _records(path: Path, raw: str, kind: str) -> Iterator[tuple[str, dict]]:
    if kind == "jsonl":
        for n, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(f"{path}: line {n} is not valid JSON ({e.msg})") from e
            if not isinstance(obj, dict):
                raise InputError(f"{path}: line {n} is a JSON {type(obj).__name__}, expected an object")
            yield f"line {n}", obj
        return
    reader = csv.DictReader(raw.splitlines(), delimiter="\t" if kind == "tsv" else ",")
    if not reader.fieldnames:
        raise InputError(f"{path}: empty file (expected a header row)")
    for n, rec in enumerate(reader, 2):
        if None in rec:
            raise InputError(f"{path}: line {n} has more fields than the header")
        yield f"line {n}", rec


def write_jsonl(path: str | Path, objects: Iterable[dict]) -> int:
    """Write one JSON object per line (UTF-8, Chinese kept readable); return the count."""
    n = 0
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for obj in objects:
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
            n += 1
    return n
