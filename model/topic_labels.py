"""Labels a person can read: class-based TF-IDF keyphrases, a short Chinese title, representative quotes.

c-TF-IDF (as in BERTopic): all posts of a cluster form one document; a word's weight in cluster c
is ``tf(w, c) · log(1 + A / f(w))`` with ``A`` the mean number of words per cluster and ``f(w)``
the word's frequency over all clusters. Only content words count (jieba tokens minus stopwords,
numbers, punctuation, whitespace, single Latin letters), and a title never consists of digits or
Latin fragments alone.

Ideas (one requested capability each) are titled by a phrase instead (``phrase_titles``): the 2–6
character span of consecutive words that most of the idea's posts say and few other posts do —
「定时清扫」, 「远程预热」 — never a word of asking (希望, 加个) at either end.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_OK = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9][A-Za-z0-9+\-.]{1,14}$")  # NFC, 5G, Wi-Fi, iOS17
_JUNK = re.compile(r"^(?:[a-z]{1,2}|[\d\W_]+|.*(.)\1{3,}.*)$", re.IGNORECASE)  # 'ab', '2333', 'hhhhh'


# words of asking and forum chatter: frequent in every idea, never what an idea is about
REQUEST_WORDS = frozenset(
    """希望 建议 能否 能不能 可不可以 可以 增加 支持 求求 求个 加个 出个 一个 一下 什么 时候 什么时候
还是 现在 感觉 就是 真的 没有 不能 不会 问题 用户 大家 官方 功能 这个 那个 有没有 怎么 为什么 已经 一直 谢谢
麻烦 拜托 赶紧 尽快 以后 后续 版本 希望能 能够 觉得 比如 其实 特别 非常 东西
知道 需要 有些 有点 一些 这样 那样 还有 然后 因为 所以 但是 如果 每次 每天 至少 可能 应该 估计 好像
不到 第一次 一次 发帖 来回 不了 不行 不是 只能 计划 排期 打算 安排 安排上 标配 刚需 催一下 这边 那边 居然 竟然
别的 其他 其它 可惜 办法 样子 地方 时候 啥时候 信息 之间 不想 想要 能不能 有没有 多好 太好了""".split()
)


def is_label_word(word: str) -> bool:
    """A word fit for a label: has Chinese, or is a real-looking Latin term (NFC, 5G, Wi-Fi)."""
    w = word.strip()
    if not w or _JUNK.match(w) or (len(w) > 1 and len(set(w)) == 1):  # 差差, 哈哈: emphasis, not a topic
        return False
    if w in REQUEST_WORDS:
        return False
    if _CJK.search(w):
        return len(w) >= 2 or w in _ONE_CHAR_OK
    return bool(_LATIN_OK.match(w)) and not w.isdigit()


_ONE_CHAR_OK = set("书")


# single characters that never open or close a capability's name
_EDGE_STOP = set(
    "的了吗呢吧啊呀哦哈么个能加要想我你他她它们就都也还再把被让给在是有和跟与或一这那些么很太更最又才没不别请求帮"
)


# characters jieba glues onto the next word after a word of asking (求单/踏板, 求胎/压, 蹲单/踏板, 加单/踏板)
_GLUED = set("求加蹲")


_NAME_LATIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+\-.]{0,9}$")  # PDF, Word, 4K, 60 (帧), LUT, iOS


def _name_token(t: str) -> bool:
    """A token a capability's name may hold: Chinese, or a short Latin/number part (导出PDF, 导出60帧)."""
    return bool(t) and (all("\u4e00" <= ch <= "\u9fff" for ch in t) or bool(_NAME_LATIN.match(t)))


def _spans(tokens: Sequence[str], max_tokens: int = 4, min_chars: int = 2, max_chars: int = 6) -> set[str]:
    """Distinct spans of 1–``max_tokens`` consecutive name tokens (``_name_token``), 2–6 characters long
    with at least one Chinese character; a token that starts with a character of asking glued on by the
    segmenter (「求胎」 in 求胎/压/显示) may also be entered after that character."""
    out: set[str] = set()
    clause: list[str] = []
    for tok in [*tokens, ""]:
        t = tok.strip()
        if _name_token(t):
            clause.append(t)
            continue
        for i in range(len(clause)):
            heads = [clause[i]]
            if len(clause[i]) >= 2 and clause[i][0] in _GLUED and clause[i] not in REQUEST_WORDS:
                heads.append(clause[i][1:])
            for head in heads:
                text = ""
                for j in range(i, min(i + max_tokens, len(clause))):
                    text += head if j == i else clause[j]
                    if len(text) > max_chars:
                        break
                    first, last = head, clause[j]
                    if len(text) < min_chars or first in REQUEST_WORDS or last in REQUEST_WORDS:
                        continue
                    if text[0] in _EDGE_STOP or text[-1] in _EDGE_STOP or not is_label_word(text):
                        continue
                    if not _CJK.search(text) or first.isdigit() or clause[j].isdigit():
                        continue
                    out.add(text)
        clause = []
    return out


# words after which a user names the capability they ask for (求X, 建议加个X, 蹲一个X, 同求X+1)
NAMING_CUES = frozenset("求 求个 求求 建议 希望 同求 蹲 蹲个 想要 出个 开放".split())
_NAMING_FILLERS = frozenset(
    "能 加 加个 能加个 能加 加一个 加上 增加 一个 个 一下 支持 出 做 做个 开 有 可以 能够 希望能 能出 能有".split()
)


def named_spans(tokens: Sequence[str], max_chars: int = 6) -> set[str]:
    """What the post names as its request: the rest of a clause after a word of asking (「求离家自动清扫！」
    → 离家自动清扫, 「希望能加个定时清扫，每天…」 → 定时清扫), 2–6 characters, a label word."""
    out: set[str] = set()
    toks = [t.strip() for t in tokens]
    i = 0
    while i < len(toks):
        t = toks[i]
        glued = len(t) >= 2 and t[0] in _GLUED and t not in REQUEST_WORDS and t not in NAMING_CUES
        if t not in NAMING_CUES and not glued:
            i += 1
            continue
        j = i + 1
        rest = t[1:] if glued else ""
        while not rest and j < len(toks) and toks[j] in _NAMING_FILLERS:
            j += 1
        while j < len(toks) and _name_token(toks[j]):
            if toks[j] in NAMING_CUES or len(rest) + len(toks[j]) > max_chars:
                break
            rest += toks[j]
            j += 1
        ends_clause = j >= len(toks) or not _name_token(toks[j])
        if ends_clause and len(rest) >= 2 and rest[-1] not in _EDGE_STOP and is_label_word(rest) and _CJK.search(rest):
            out.add(rest)
        i = max(j, i + 1)
    return out


# a 2-character best span is replaced by the commonest longer span around it said by >= this share as
# many posts (and >= 2): on the two tuning sets titles with the PM's term 36.5% -> 38.7% (0.1-0.2 alike)
EXTEND_RATIO = 0.2


def phrase_titles(
    docs_words: Sequence[Sequence[str]],
    labels: np.ndarray,
    clusters: Sequence[int],
    length_weight: float = 1.5,
    specificity_power: float = 0.5,
    named_weight: float = 2.0,
    extend_ratio: float = EXTEND_RATIO,
) -> dict[int, str]:
    """A capability's name per cluster: the span maximising
    ``(df_in + named_weight · named_in) · (df_in / df_all)^p · len^w``.

    ``df_in``: the cluster's posts that say the span; ``df_all``: all posts that do (other ideas,
    unassigned posts); ``named_in``: the cluster's posts that name it as what they ask for
    (``named_spans``). A span said by one post only is used when nothing is said twice, unless that
    post names it.

    The weights were chosen on the robot tuning set (both clusterings of bench/ideas.py, a grid of
    length 1–3, specificity 0.5–2, named 0–8): titles with the PM's term 52% → 61%, a plateau from
    length 1 to 2 with named 2 to 8 (the earlier length 3 picked long descriptions: 「设个勿扰时段」); named
    stays 2, the low end, so that a span two posts say still beats one a single post names."""
    spans = [_spans(w) for w in docs_words]
    named = [named_spans(w) for w in docs_words]
    df_all: Counter = Counter()
    for sp, nm in zip(spans, named):
        df_all.update(sp | nm)
    per: dict[int, Counter] = {c: Counter() for c in clusters}
    per_named: dict[int, Counter] = {c: Counter() for c in clusters}
    for sp, nm, lab in zip(spans, named, labels):
        if lab in per:
            per[lab].update(sp | nm)
            per_named[lab].update(nm)
    out = {}
    for c, cnt in per.items():
        best, best_score = "", -1.0
        for text, k in sorted(cnt.items()):  # sorted: ties never depend on hash order
            m = per_named[c][text]
            weight = 1.0 if k >= 2 else (0.5 if m else 0.01)  # said twice beats named once
            score = (
                (k + named_weight * m) * (k / df_all[text]) ** specificity_power * len(text) ** length_weight * weight
            )
            if score > best_score or (score == best_score and len(text) > len(best)):
                best, best_score = text, score
        if extend_ratio and 0 < len(best) <= 2:
            # a lone head word (模板, 水印, 离线) is rarely the capability: take the commonest longer
            # span around it that at least two posts say (模板市场, 文档水印, 离线缓存)
            longer = [
                (k, t) for t, k in cnt.items() if best in t and t != best and k >= 2 and k >= extend_ratio * cnt[best]
            ]
            if longer:
                best = max(longer, key=lambda kt: (kt[0], len(kt[1]), kt[1]))[1]
        out[c] = best
    return out


@dataclass
class ClusterLabel:
    title: str
    keywords: list[str]
    quotes: list[str]
    quote_indices: list[int]


def ctfidf(
    docs_words: Sequence[Sequence[str]], labels: np.ndarray, clusters: Sequence[int], top_k: int = 8
) -> dict[int, list[tuple[str, float]]]:
    """Top ``top_k`` (word, weight) per cluster id in ``clusters`` from per-post content words."""
    per: dict[int, Counter] = {c: Counter() for c in clusters}
    for words, lab in zip(docs_words, labels):
        if lab in per:
            per[lab].update(w for w in words if is_label_word(w))
    total: Counter[str] = Counter()
    for cnt in per.values():
        total.update(cnt)
    if not total:
        return {c: [] for c in clusters}
    A = sum(total.values()) / max(len(per), 1)
    out: dict[int, list[tuple[str, float]]] = {}
    for c, cnt in per.items():
        n = sum(cnt.values()) or 1
        # words said by at least two posts first; one-off words only fill up small clusters
        scored = [(w, (k / n) * np.log1p(A / total[w]), k >= 2) for w, k in cnt.items()]
        scored.sort(key=lambda t: (not t[2], -t[1]))
        out[c] = [(w, sc) for w, sc, _ in scored][:top_k]
    return out


def make_title(keywords: Sequence[str], max_words: int = 3) -> str:
    """2–3 keywords, Chinese ones first, none contained in another, joined by ' / '."""
    picked: list[str] = []
    ordered = [k for k in keywords if _CJK.search(k)] + [k for k in keywords if not _CJK.search(k)]
    for k in ordered:
        if any(k in p or p in k for p in picked):
            continue
        picked.append(k)
        if len(picked) == max_words:
            break
    if picked and not any(_CJK.search(p) for p in picked):
        return ""  # Latin alone is not a title a reader understands; the caller falls back to a quote
    return " / ".join(picked[:max_words])


def representative_quotes(
    texts: Sequence[str],
    Z: np.ndarray,
    centroid: np.ndarray,
    k: int = 3,
    dup_sim: float = 0.92,
    min_len: int = 6,
    max_len: int = 140,
) -> list[int]:
    """Indices of ``k`` posts close to the centroid that are not near-duplicates of one another."""
    if not len(texts):
        return []
    sims = Z @ centroid
    order = np.argsort(-sims)
    picked: list[int] = []
    seen_text: set[str] = set()
    for pass_ in (0, 1):  # first pass prefers readable lengths, the second takes what is left
        for i in order:
            t = re.sub(r"\s+", "", texts[i])
            if i in picked or t in seen_text:
                continue
            if pass_ == 0 and not (min_len <= len(t) <= max_len):
                continue
            if any(float(Z[i] @ Z[j]) >= dup_sim for j in picked):
                continue
            picked.append(int(i))
            seen_text.add(t)
            if len(picked) == k:
                return picked
    return picked


def keyword_sample(
    labels: np.ndarray, Z: np.ndarray, centroids: dict[int, np.ndarray], per_cluster: int, seed: int = 0
) -> np.ndarray:
    """Rows used for keywords: per cluster its ``per_cluster`` posts nearest the centroid plus as many at random."""
    rng = np.random.default_rng(seed)
    rows = []
    for c, cen in centroids.items():
        m = np.flatnonzero(labels == c)
        if len(m) <= 2 * per_cluster:
            rows.append(m)
            continue
        near = m[np.argsort(-(Z[m] @ cen))[:per_cluster]]
        rest = np.setdiff1d(m, near)
        rows += [near, rng.choice(rest, per_cluster, replace=False)]
    return np.sort(np.concatenate(rows)) if rows else np.zeros(0, dtype=np.int64)


def label_clusters(
    texts: Sequence[str],
    words: Sequence[Sequence[str]] | Callable[[str], list[str]],
    Z: np.ndarray,
    labels: np.ndarray,
    centroids: dict[int, np.ndarray],
    top_k: int = 8,
    per_cluster: int = 100,
    phrase: bool = False,
    phrase_per_cluster: int = 40,
) -> dict[int, ClusterLabel]:
    """Title, keywords and quotes per cluster id (``labels`` per post, −1 ignored).

    ``words`` is each post's content words, or a tokenizer: then only a sample of each big cluster
    (``per_cluster`` posts nearest its centroid and as many at random) is tokenized for keywords.
    ``phrase``: titles are capability phrases (``phrase_titles``, ideas) instead of keyword lists; an
    idea's phrase shows in a few dozen of its posts, so ``phrase_per_cluster`` (40 + 40) are read.
    """
    clusters = sorted(centroids)
    if callable(words):
        per = min(per_cluster, phrase_per_cluster) if phrase else per_cluster
        rows = keyword_sample(labels, Z, {c: centroids[c] for c in clusters}, per)
        if phrase:  # unassigned posts count for specificity too: a sample of them
            rest = np.flatnonzero(labels < 0)
            rows = np.union1d(rows, rest[:: max(1, len(rest) // (2 * per))])
        row_labels = labels[rows]
        # a Segmenter's content words drop punctuation and stopwords; phrases need the full cut (one cut: both)
        seg: Any = getattr(words, "__self__", None)
        if phrase and callable(getattr(seg, "cut", None)) and callable(getattr(seg, "content", None)):
            span_toks: list[Sequence[str]] = [seg.cut(texts[i]) for i in rows]
            toks: list[Sequence[str]] = [seg.content(t) for t in span_toks]
        else:
            toks = [words(texts[i]) for i in rows]
            span_toks = toks
    else:
        toks, row_labels = list(words), labels
        span_toks = toks
    kw = ctfidf(toks, row_labels, clusters, top_k)
    titles = phrase_titles(span_toks, row_labels, clusters) if phrase else {}
    out = {}
    for c in clusters:
        members = np.flatnonzero(labels == c)
        keywords = [w for w, _ in kw.get(c, [])]
        q = representative_quotes([texts[int(i)] for i in members], Z[members], centroids[c])
        quotes = [texts[members[i]] for i in q]
        title = titles.get(c) or make_title(keywords) or (quotes[0][:16] if quotes else "")
        out[c] = ClusterLabel(title, keywords, quotes, [int(members[i]) for i in q])
    return out
