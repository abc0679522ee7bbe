"""Input hygiene shared by the segmenter, the encoder and the analyzer."""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0/C1 controls except tab, newline and carriage return; they carry no meaning in a post.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class TextError(ValueError):
    """A text that cannot be processed, with the reason."""


def clean_text(text: object) -> str:
    """Return ``text`` as a valid, printable ``str``.

    Lone surrogates (which cannot be encoded as UTF-8) become U+FFFD and control characters are
    dropped; anything that is not a ``str`` raises :class:`TextError` naming its type.
    """
    if not isinstance(text, str):
        raise TextError(f"expected text (str), got {type(text).__name__}")
    text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub("", text)


def fullwidth_to_halfwidth(text: str) -> str:
    """Full-width ASCII forms (ＡＢＣ１２３！) and the ideographic space to their half-width forms."""
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0x3000:
            out.append(" ")
        elif 0xFF01 <= cp <= 0xFF5E:
            out.append(chr(cp - 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)
