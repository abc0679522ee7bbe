"""Rule/lexicon silver labeler: intent, the ten trust signals and a sentiment hint for one post.

The cues live in ``data/lexicons/*.yaml`` (one file per signal plus ``intent.yaml``,
``sentiment.yaml`` and the shared ``negation.yaml``); this module only knows how to apply them:

* Text is normalised (controls dropped, full-width ASCII folded, Latin lower-cased) and cut into
  clauses at punctuation and whitespace. Negation, hedges and questions never cross a clause.
* A cue is negated when an odd number of negators (不/没/没有/别/无/非/未/不是/并非/绝不 …) stand right
  before it in its clause, separated from it only by filler words (会/再/是/很/发现 …), so
  「不是假货」「没有发现假货」 are not deception, while 「不贵，推荐」 keeps its recommendation.
  Words such as 不错 / 非常 / 没想到 are masked first so they never count as negators.
* Per signal file, a cue may be dropped inside a question (``question: drop``) or after a hedge
  (``hedge: drop``: 可能/考虑/如果 …), may need a clause context (``context``) or forbid one
  (``not_context``), and is ignored where it overlaps a ``block`` span (假期 for 假).
* Intent follows ``intent.yaml``: chatter → other; explicit request → feature_request (repair
  requests with a defect → bug_report); information question → question; defect as main point →
  bug_report; then complaint / praise from polar cues and signals; otherwise None (abstain).

Every regex is compiled once in :meth:`LexiconLabeler.load`; :meth:`LexiconLabeler.label` runs one
``finditer`` per rule over the whole post and maps matches to clauses, so it labels thousands of
posts per second on one core and never raises on a ``str`` input.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from model.text import clean_text, fullwidth_to_halfwidth

SIGNALS = [
    "deception",
    "mistake",
    "safety_privacy",
    "churn",
    "reliability",
    "care",
    "purchase",
    "repurchase",
    "share",
    "referral",
]
INTENTS = ["feature_request", "bug_report", "complaint", "praise", "question", "other"]

DEFAULT_LEXICON_DIR = Path(__file__).resolve().parent.parent / "data" / "lexicons"
# Posts longer than this are labelled on their first MAX_CHARS characters: the verdict of a review
# sits early, and the cap bounds the time one pathological post can take.
MAX_CHARS = 20_000
# How far (in characters, fillers included) a negator may stand before its cue.
NEG_WINDOW = 6
# Longest clause the scope checks look at; longer unpunctuated runs are cut into pieces.
MAX_CLAUSE = 120

_CLAUSE = re.compile(r"[^，,。.！!？?；;:：\n\r\t 、~～…]+[，,。.！!？?；;:：\n\r\t 、~～…]*")
_STRIP_FOR_EMPTY = re.compile(r"[\W_]+", re.UNICODE)

# How much each signal pushes the intent towards praise (+) or complaint (−).
_SIGNAL_POLARITY = {
    "deception": -2.0,
    "churn": -2.0,
    "mistake": -1.0,
    "safety_privacy": -1.0,
    "reliability": 1.0,
    "care": 1.0,
    "repurchase": 1.0,
    "referral": 1.0,
}


@dataclass
class SilverLabel:
    """Rule verdict for one post.

    ``intent`` is None when the rules abstain; ``signals`` maps every name in :data:`SIGNALS` to
    0/1; ``sentiment_hint`` is in [−1, 1] (None without a polar cue); ``evidence`` lists the matched
    cue text for each positive decision (signal names and ``"intent"``).
    """

    intent: str | None
    signals: dict[str, int]
    sentiment_hint: float | None
    evidence: dict[str, list[str]] = field(default_factory=dict)


def _alt(patterns: Iterable[str]) -> str:
    pats = [str(p) for p in patterns if p is not None and str(p) != ""]
    if not pats:
        return r"(?!x)x"  # matches nothing
    # longest first, so that alternation prefers 「不是正品」 over 「不是」 at the same position
    return "|".join(f"(?:{p})" for p in sorted(pats, key=len, reverse=True))


def _compile(patterns: Iterable[str] | None) -> re.Pattern[str] | None:
    pats = list(patterns or [])
    return re.compile(_alt(pats)) if pats else None


@dataclass
class _Rule:
    name: str
    cues: re.Pattern[str]
    negatable: bool
    context: re.Pattern[str] | None
    not_context: re.Pattern[str] | None


@dataclass
class _Signal:
    name: str
    rules: list[_Rule]
    block: re.Pattern[str] | None
    drop_in_question: bool
    drop_after_hedge: bool


class _Doc:
    """One normalised post with its clauses, negator spans and question flags."""

    __slots__ = ("_lab", "ends", "is_question", "neg_ends", "neg_spans", "starts", "text")

    def __init__(self, text: str, lab: LexiconLabeler) -> None:
        self.text = text
        self._lab = lab
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.is_question: list[bool] = []
        for m in _CLAUSE.finditer(text):
            # an unpunctuated run is cut into pieces so per-cue scope checks stay O(MAX_CLAUSE)
            for s in range(m.start(), m.end(), MAX_CLAUSE):
                e = min(s + MAX_CLAUSE, m.end())
                self.starts.append(s)
                self.ends.append(e)
                self.is_question.append(bool(lab._question_marker.search(text, s, e)))
        masked = lab._not_negator.sub(lambda m: "\x00" * len(m.group()), text)
        self.neg_spans = [(m.start(), m.end()) for m in lab._negator.finditer(masked)]
        self.neg_ends = [e for _, e in self.neg_spans]

    def clause_of(self, pos: int) -> int:
        i = bisect.bisect_right(self.starts, pos) - 1
        return max(i, 0)

    def clause_text(self, i: int) -> str:
        return self.text[self.starts[i] : self.ends[i]] if self.starts else ""

    def negated(self, start: int, end: int | None = None) -> bool:
        """True when an odd number of negators chain right before ``start`` within its clause,
        or (given the cue's ``end``) a post-negation such as 「…也没有」 follows it."""
        if not self.starts:
            return False
        ci = self.clause_of(start)
        cs = self.starts[ci]
        post = self._lab._post_negation
        if end is not None and post is not None and post.search(self.text[end : min(self.ends[ci] + 1, end + 16)]):
            return True
        fill = self._lab._filler
        pos, count = start, 0
        k = bisect.bisect_right(self.neg_ends, start) - 1
        # A cue that starts inside a negator is covered by it (「不是假货」 matched as 是假, 「不会再来」
        # as 会再来) — unless the cue owns its negation (「不是正品」 inside 「绝对不是正品」).
        if k + 1 < len(self.neg_spans):
            ns, ne = self.neg_spans[k + 1]
            if ns < start < ne and not self._lab._negator.match(self.text, start):
                count, pos = 1, ns
        while k >= 0:
            ns, ne = self.neg_spans[k]
            if ns < cs or start - ne > NEG_WINDOW:
                break
            if ne > pos:  # overlaps the cue or the previous negator
                k -= 1
                continue
            if not fill.fullmatch(self.text[ne:pos]):
                break
            count += 1
            pos = ns
            k -= 1
        if count % 2 == 1 and self._lab._rhetorical is not None:
            clause = self.text[cs : self.ends[ci]].rstrip("，,。.；;:： \n")
            if self._lab._rhetorical.search(clause):
                return False
        return count % 2 == 1

    def hedged(self, start: int) -> bool:
        i = self.clause_of(start)
        before = self.text[self.starts[i] : start] if self.starts else ""
        if self._lab._hedge.search(before):
            return True
        # a condition in the clause before: 「如果有机会，还会再来」
        return bool(i > 0 and self._lab._condition.search(self.clause_text(i - 1)))


class LexiconLabeler:
    """Applies the YAML lexicons; build with :meth:`load`."""

    def __init__(self, lexicon_dir: Path, raw: dict[str, dict[str, Any]]) -> None:
        self.lexicon_dir = lexicon_dir
        neg = raw["negation"]
        self._negator = re.compile(_alt(neg["negators"]))
        self._not_negator = re.compile(_alt(neg["not_negators"]))
        self._filler = re.compile(f"(?:{_alt(neg['fillers'])})*")
        self._hedge = re.compile(_alt(neg["hedges"]))
        self._condition = re.compile(r"^(?:如果|要是|假如|若是|若|万一|有机会|有时间|有空)")
        self._question_marker = re.compile(_alt(neg["question_markers"]))
        self._reply = _compile(neg.get("business_reply"))
        self._post_negation = _compile(neg.get("post_negation"))
        self._rhetorical = _compile(neg.get("rhetorical"))

        self._signals: list[_Signal] = []
        for name in SIGNALS:
            spec = raw[name]
            rules = []
            for r in spec.get("rules", []):
                if not isinstance(r, dict) or "cues" not in r:
                    raise ValueError(f"{name}.yaml: every rule needs a mapping with `cues`, got {r!r}")
                rules.append(
                    _Rule(
                        name=str(r.get("name", "")),
                        cues=re.compile(_alt(r["cues"])),
                        negatable=bool(r.get("negatable", True)),
                        context=_compile(r.get("context")),
                        not_context=_compile(r.get("not_context")),
                    )
                )
            self._signals.append(
                _Signal(
                    name=name,
                    rules=rules,
                    block=_compile(spec.get("block")),
                    drop_in_question=spec.get("question", "keep") == "drop",
                    drop_after_hedge=spec.get("hedge", "keep") == "drop",
                )
            )

        sent = raw["sentiment"]
        self._polarity: dict[str, float] = {}
        strong = {str(p) for p in sent.get("strong", [])}
        pos_pats = [str(p) for p in sent["positive"]]
        neg_pats = [str(p) for p in sent["negative"]]
        self._pos_re = re.compile(_alt(pos_pats))
        self._neg_re = re.compile(_alt(neg_pats))
        self._strong_re = re.compile(_alt(strong))
        self._sent_re = re.compile(_alt(pos_pats + neg_pats))
        self._sent_block = _compile(sent.get("block"))
        self._sent_cache: dict[str, float] = {}

        it = raw["intent"]
        # `.` in a request pattern must not cross a sentence end (see intent.yaml)
        self._request = re.compile(_alt(str(p).replace(".{", "[^。.！!？?；;\n]{") for p in it["request"]))
        self._request_exclude = re.compile(_alt(it["request_exclude"]))
        self._repair = re.compile(_alt(it["repair"]))
        self._repair_always = re.compile(_alt(it.get("repair_always", [])))
        self._new_thing = re.compile(r"增加|添加|加个|加一个|推出|出个|出一个|支持|提供|开通|新功能|多(放|给|送)")
        self._question = re.compile(_alt(it["question"]))
        self._bug = re.compile(_alt(it["bug"]))
        self._bug_not_context = _compile(it.get("bug_not_context"))
        self._bug_hypothetical = _compile(it.get("bug_hypothetical"))
        self._bug_spoil = _compile(it.get("bug_spoil"))
        self._bug_food_post = _compile(it.get("bug_food_post"))
        self._bug_device_post = _compile(it.get("bug_device_post"))
        self._non_bug = re.compile(_alt(it["non_bug_failure"]))
        self._chatter = re.compile(f"(?:{_alt(it['chatter'])})+")
        self._social = _compile(it.get("social"))

    # ------------------------------------------------------------------------------------------
    @classmethod
    def load(cls, lexicon_dir: str | Path | None = None) -> LexiconLabeler:
        """Read every ``*.yaml`` in ``lexicon_dir`` (default ``<repo>/data/lexicons``)."""
        d = Path(lexicon_dir) if lexicon_dir is not None else DEFAULT_LEXICON_DIR
        raw: dict[str, dict[str, Any]] = {}
        for p in sorted(d.glob("*.yaml")):
            with open(p, encoding="utf-8") as f:
                data = yaml.safe_load(f) or {}
            key = str(data.get("signal", p.stem))
            raw[key] = data
        missing = [k for k in [*SIGNALS, "negation", "sentiment", "intent"] if k not in raw]
        if missing:
            raise FileNotFoundError(f"lexicon files missing in {d}: {missing}")
        return cls(d, raw)

    # ------------------------------------------------------------------------------------------
    def normalise(self, text: str) -> str:
        """Clean, fold full-width ASCII, lower-case Latin letters, cut business replies, cap length."""
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        text = fullwidth_to_halfwidth(clean_text(text[: MAX_CHARS * 2]))[:MAX_CHARS].lower()
        if self._reply is not None:
            m = self._reply.search(text)
            if m is not None and m.start() > 0:
                text = text[: m.start()]
        return text

    def label_many(self, texts: Iterable[str]) -> list[SilverLabel]:
        return [self.label(t) for t in texts]

    def label(self, text: str) -> SilverLabel:
        t = self.normalise(text)
        doc = _Doc(t, self)
        signals: dict[str, int] = {}
        evidence: dict[str, list[str]] = {}
        for sig in self._signals:
            hits = self._signal_hits(doc, sig)
            signals[sig.name] = int(bool(hits))
            if hits:
                evidence[sig.name] = hits
        if signals["repurchase"] and not signals["purchase"]:
            signals["purchase"] = 1
            evidence["purchase"] = ["<repurchase>"]

        pos, neg, last = self._sentiment(doc)
        hint = None
        if pos + neg > 0:
            hint = round(max(-1.0, min(1.0, (pos - neg) / (pos + neg))), 4)

        intent, why = self._intent(doc, signals, pos, neg, last)
        if intent is not None:
            evidence["intent"] = why
        return SilverLabel(intent=intent, signals=signals, sentiment_hint=hint, evidence=evidence)

    # ------------------------------------------------------------------------------------------
    def _signal_hits(self, doc: _Doc, sig: _Signal) -> list[str]:
        t = doc.text
        if not t:
            return []
        blocks = [m.span() for m in sig.block.finditer(t)] if sig.block else []
        hits: list[str] = []
        for rule in sig.rules:
            for m in rule.cues.finditer(t):
                s, e = m.span()
                if s == e:
                    continue
                if blocks and any(bs < e and s < be for bs, be in blocks):
                    continue
                ci = doc.clause_of(s)
                clause = doc.clause_text(ci)
                if sig.drop_in_question and doc.is_question[ci]:
                    continue
                if rule.context is not None and not rule.context.search(clause):
                    continue
                if rule.not_context is not None and rule.not_context.search(clause):
                    continue
                if rule.negatable and doc.negated(s, e):
                    continue
                if sig.drop_after_hedge and doc.hedged(s):
                    continue
                hits.append(m.group())
        return hits

    def _valid(self, doc: _Doc, pattern: re.Pattern[str], negatable: bool = True) -> list[re.Match[str]]:
        out = []
        for m in pattern.finditer(doc.text):
            if m.start() == m.end():
                continue
            if negatable and doc.negated(m.start(), m.end()):
                continue
            out.append(m)
        return out

    def _sentiment(self, doc: _Doc) -> tuple[float, float, float]:
        """(positive weight, negative weight, polarity of the last polar clause)."""
        t = doc.text
        if not t:
            return 0.0, 0.0, 0.0
        if self._sent_block is not None:
            t = self._sent_block.sub(lambda m: "\x00" * len(m.group()), t)
        pos = neg = 0.0
        last_clause, last_pol = -1, 0.0
        for m in self._sent_re.finditer(t):
            w = m.group()
            pol = self._sent_cache.get(w)
            if pol is None:
                sign = 1.0 if self._pos_re.fullmatch(w) else -1.0
                pol = sign * (2.0 if self._strong_re.fullmatch(w) else 1.0)
                self._sent_cache[w] = pol
            if doc.negated(m.start(), m.end()):
                pol = -pol * 0.8  # 「不差」 is weaker praise than 「好」
            ci = doc.clause_of(m.start())
            if pol > 0 and doc.is_question[ci]:
                continue  # praise words in a question are mostly rhetorical: 「这也叫正品？」
            if pol > 0:
                pos += pol
            else:
                neg -= pol
            if ci >= last_clause:
                last_pol = pol if ci > last_clause else last_pol + pol
                last_clause = ci
        return pos, neg, last_pol

    def _real_bug(self, doc: _Doc, m: re.Match[str]) -> bool:
        ci = doc.clause_of(m.start())
        device = self._bug_device_post is not None and self._bug_device_post.search(doc.text)
        clause = doc.clause_text(ci)
        if (
            self._bug_not_context is not None
            and self._bug_not_context.search(clause)
            and not (device and self._bug_device_post is not None and self._bug_device_post.search(clause))
        ):
            return False  # food in the clause (「苹果手机」 is a device, though)
        if (
            self._bug_spoil is not None
            and self._bug_spoil.fullmatch(m.group())
            and self._bug_food_post is not None
            and self._bug_food_post.search(doc.text)
            and not device
        ):
            return False  # spoiled food in a food post
        before = doc.text[doc.starts[ci] : m.start()]
        return not (self._bug_hypothetical is not None and self._bug_hypothetical.search(before))

    def _requests(self, doc: _Doc) -> list[tuple[str, str]]:
        """(request text, region text) for every request cue that is not excluded."""
        out = []
        t = doc.text
        for m in self._request.finditer(t):
            if not doc.starts:
                break
            ci, cj = doc.clause_of(m.start()), doc.clause_of(max(m.end() - 1, m.start()))
            region = t[doc.starts[ci] : doc.ends[cj]]
            core = region.rstrip("，,。.！!？?；;:：\n\r\t 、~～…")
            if self._request_exclude.search(core):
                continue
            # a request word inside a negation (「不希望」) is no request
            if doc.negated(m.start()) and not m.group().startswith(("不", "别", "没")):
                continue
            out.append((m.group(), region))
        return out

    def _intent(
        self, doc: _Doc, signals: dict[str, int], pos: float, neg: float, last: float
    ) -> tuple[str | None, list[str]]:
        t = doc.text
        bare = _STRIP_FOR_EMPTY.sub("", t)
        if not bare:
            return "other", ["<empty>"]
        if self._chatter.fullmatch(bare):
            return "other", [bare[:20]]

        bugs = [m for m in self._valid(doc, self._bug) if self._real_bug(doc, m)]
        bug_words = [m.group() for m in bugs]
        requests = self._requests(doc)
        if requests:
            if any(self._repair_always.search(r) for _, r in requests):
                return "bug_report", [r for r, _ in requests]
            if bugs and any(self._repair.search(r) and not self._new_thing.search(r) for _, r in requests):
                return "bug_report", bug_words + [r for r, _ in requests]
            return "feature_request", [r for r, _ in requests]

        n_nonbug = len(self._valid(doc, self._non_bug))
        negative_signals = any(signals[s] for s in ("deception", "mistake", "churn", "safety_privacy"))

        questions = [m.group() for m in self._question.finditer(t)]
        # information questions are short and carry no verdict; 「请问…怎么会发黑」 is a complaint
        if questions and not bugs and neg == 0 and pos == 0 and not negative_signals and len(t) <= 80:
            return "question", questions

        if bugs:
            n_bug = len(bugs)
            if n_bug > n_nonbug and not (pos >= 2 * (neg + n_bug) + 2):
                return "bug_report", bug_words
        if (
            self._social is not None
            and not negative_signals
            and not bugs
            and not any(signals[s] for s in ("purchase", "repurchase"))
        ):
            social = self._social.search(t)
            if social:
                return "other", [social.group()]

        score = pos - neg
        sig_score = sum(w for s, w in _SIGNAL_POLARITY.items() if signals[s])
        score += sig_score
        why = [f"pos={pos:.1f} neg={neg:.1f} signals={sig_score:+.0f} last={last:+.1f}"]
        if score <= -1 and (neg > 0 or sig_score <= -2) and (pos == 0 or score <= -2 or last < 0):
            return "complaint", why
        if score >= 1 and (pos > 0 or sig_score >= 2) and (neg == 0 or score >= 2 or last > 0):
            return "praise", why
        # balanced: the side the writer ends on, when that side is clearly voiced
        if abs(score) < 1 and pos + neg >= 3:
            if last <= -1 and neg >= 2:
                return "complaint", why
            if last >= 1 and pos >= 2:
                return "praise", why
        return None, []


__all__ = ["INTENTS", "SIGNALS", "LexiconLabeler", "SilverLabel"]
