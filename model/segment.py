"""Chinese word segmentation (jieba) with the project's user dictionary, stopwords and keywords.

Each :class:`Segmenter` owns its own ``jieba.Tokenizer`` so dictionaries never leak between
instances. Text is normalised first: control characters dropped, lone surrogates replaced,
full-width ASCII (ＡＢＣ１２３) turned half-width, so 「ＮＦＣ」 and 「NFC」 are one word.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import jieba

from model.text import clean_text, fullwidth_to_halfwidth

jieba.setLogLevel(logging.WARNING)

# jieba.analyse's keyword stoplist (importing jieba.analyse itself costs a second: it builds
# extractors this module does not use)
_JIEBA_STOP = {
    "the",
    "of",
    "is",
    "and",
    "to",
    "in",
    "that",
    "we",
    "for",
    "an",
    "are",
    "by",
    "be",
    "as",
    "on",
    "with",
    "can",
    "if",
    "from",
    "which",
    "you",
    "it",
    "this",
    "then",
    "at",
    "have",
    "all",
    "not",
    "one",
    "has",
    "or",
}
_PUNCT_OR_SPACE = re.compile(r"^[\s\W_]+$", re.UNICODE)
_NUMBER = re.compile(r"^[\d.,%:+\-/]+$")
# Emoji (with skin tones, variation selectors and zero-width joiners) kept whole.
_EMOJI_SEQ = re.compile(
    "(?:[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff](?:[\U0001f3fb-\U0001f3ff\ufe0f])*"
    "(?:\u200d[\U0001f000-\U0001faff\u2600-\u27bf](?:[\U0001f3fb-\U0001f3ff\ufe0f])*)*)"
)
# Latin words with inner hyphen/dot/apostrophe (Wi-Fi, iOS17.1, don't) kept whole.
_LATIN = re.compile(r"[A-Za-z0-9]+(?:[-.'][A-Za-z0-9]+)*")


def normalize(text: str) -> str:
    """Cleaned, half-width text; whitespace runs collapsed to one space."""
    return re.sub(r"\s+", " ", fullwidth_to_halfwidth(clean_text(text))).strip()


def load_wordlist(path: str | Path) -> set[str]:
    """Words one per line; blank lines and ``#`` comments ignored."""
    words = set()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip() if not line.startswith("#") else ""
        if line:
            words.add(line)
    return words


class Segmenter:
    """``cut`` → tokens (no whitespace tokens); ``words`` → content words; ``keywords`` → top terms."""

    def __init__(self, userdict: str | Path | None = None, stopwords: str | Path | None = None):
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.initialize()
        if userdict:
            self.tokenizer.load_userdict(str(userdict))
        self.stopwords = load_wordlist(stopwords) if stopwords else set()
        self._stop = _JIEBA_STOP | {w.lower() for w in self.stopwords}

    def cut(self, text: str) -> list[str]:
        """All tokens in order, punctuation included, whitespace dropped; emoji and Latin words whole."""
        text = normalize(text)
        out: list[str] = []
        pos = 0
        for m in _EMOJI_SEQ.finditer(text):
            out += self._cut_plain(text[pos : m.start()])
            out.append(m.group())
            pos = m.end()
        out += self._cut_plain(text[pos:])
        return out

    def _cut_plain(self, text: str) -> list[str]:
        toks: list[str] = []
        for tok in self.tokenizer.cut(text, HMM=True):
            if tok.strip():
                toks.append(tok)
        return _merge_latin(toks)

    def words(self, text: str) -> list[str]:
        """Content words: no stopwords, punctuation, numbers or single Latin letters."""
        return self.content(self.cut(text))

    def content(self, tokens: list[str]) -> list[str]:
        """The content words among ``cut`` tokens (what ``words`` gives, without a second cut)."""
        return [t for t in tokens if is_content_word(t, self.stopwords)]

    def keywords(self, text: str, top_k: int = 5, tokens: list[str] | None = None) -> list[str]:
        """Top TF-IDF terms of one text, content words only: jieba's ``extract_tags`` scoring (term
        frequency × jieba's IDF, the median IDF for unknown words, words of ≥ 2 characters).
        ``tokens`` (from :meth:`cut`) saves a second segmentation pass."""
        if tokens is None:
            tokens = self.cut(text)
        idf, median = idf_table()
        freq: dict[str, float] = {}
        for w in tokens:
            if len(w.strip()) < 2 or w.lower() in self._stop:
                continue
            freq[w] = freq.get(w, 0.0) + 1.0
        total = sum(freq.values()) or 1.0
        score = {w: n * idf.get(w, median) / total for w, n in freq.items()}
        ranked = sorted(score, key=score.__getitem__, reverse=True)
        return [k for k in ranked if is_content_word(k, self.stopwords)][:top_k]

    def cut_many(self, texts: Iterable[str]) -> list[list[str]]:
        return [self.cut(t) for t in texts]


@lru_cache(maxsize=1)
def idf_table() -> tuple[dict[str, float], float]:
    """jieba's IDF table (word → IDF) and its median, read once per process."""
    path = Path(jieba.__file__).parent / "analyse" / "idf.txt"
    idf = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, value = line.strip().partition(" ")
        if value:
            idf[word] = float(value)
    return idf, sorted(idf.values())[len(idf) // 2]


def is_content_word(tok: str, stopwords: set[str]) -> bool:
    tok = tok.strip()
    if not tok or tok in stopwords or _PUNCT_OR_SPACE.match(tok) or _NUMBER.match(tok):
        return False
    if tok.isascii() and len(tok) < 2:
        return False
    return True


def _merge_latin(toks: list[str]) -> list[str]:
    """jieba splits 'Wi-Fi' or 'iOS17.1' into pieces; glue adjacent Latin/number/joiner tokens back."""
    out: list[str] = []
    for t in toks:
        if out and _LATIN.fullmatch(out[-1] + t) and (t.isascii() and out[-1].isascii()):
            out[-1] += t
        else:
            out.append(t)
    return out
