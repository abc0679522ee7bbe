"""What every ``cocreate`` command shares: option types, the error exit, reading an input file.
The command modules (cli.py, cmd_*.py) import this module, never each other's helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from cocreate.textio import InputError, Rows, read_rows

TextColumn = Annotated[str, typer.Option("--text-column", help="column (CSV) or key (JSONL) with the text")]
IdColumn = Annotated[Optional[str], typer.Option("--id-column", help="column with the post id; default: row number")]


def fail(msg: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code)


def load_input(path: Path, text_column: str, id_column: str | None) -> Rows:
    try:
        return read_rows(path, text_column=text_column, id_column=id_column)
    except InputError as e:
        fail(str(e))
