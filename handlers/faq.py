"""The fund FAQ: a small knowledge base in ``config/faq.toml``, searched with Chinese word segmentation.

Scoring is BM25 (k1=1.2, b=0.75) of the query's jieba tokens against each entry's question and
keywords (keywords count twice), plus a bonus of 1.0 for every keyword found verbatim in the query (so
"R3是什么意思" finds the R1-R5 entry however jieba splits it). Entries scoring below ``threshold``
are dropped, so an unrelated message finds nothing and the caller falls back.

jieba's dictionary takes about a second to load, so the segmenter is built on first use and cached.
"""

from __future__ import annotations

import logging
import math
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from handlers.fund_lookup import normalize

DEFAULT_FAQ_PATH = Path(__file__).resolve().parent.parent / "config" / "faq.toml"
DEFAULT_THRESHOLD = 1.5
_K1, _B = 1.2, 0.75
_STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 是 么 什么 怎么 怎么样 怎样 多少 几 请问 请 问 一下 我 你 您 我们 要 想 能 可以 会 "
    "有 和 与 及 还 就 都 在 这 那 个 这个 那个 一个 意思 如何 为什么 哪些 哪个 下 给 帮 帮我 谢谢".split()
)
_TOKEN_RE = re.compile(r"[\w+]+")


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One question and its approved answer."""

    id: str
    question: str
    keywords: tuple[str, ...]
    answer: str


@cache
def _tokenizer() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    return tk


def tokenize(text: str, extra_words: Iterable[str] = ()) -> list[str]:
    """Search-mode jieba tokens of normalised text, without stop words and punctuation."""
    tk = _tokenizer()
    for word in extra_words:
        if tk.FREQ.get(word) is None:
            tk.add_word(word)
    return [
        t
        for t in tk.lcut_for_search(normalize(text))
        if t.strip() and t not in _STOPWORDS and _TOKEN_RE.fullmatch(t)
    ]


def load_entries(path: Path | str = DEFAULT_FAQ_PATH) -> list[FaqEntry]:
    """Read and validate ``[[faq]]`` entries; ValueError names the file and the bad entry."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ValueError(f"{path}: FAQ file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from None
    rows = data.get("faq")
    if not isinstance(rows, list) or not rows:
        raise ValueError(f"{path}: expected at least one [[faq]] entry")
    entries: list[FaqEntry] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, 1):
        where = f"{path}: [[faq]] #{n}"
        if not isinstance(row, dict):
            raise ValueError(f"{where}: must be a table")
        for key in ("id", "question", "answer"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise ValueError(f"{where}: '{key}' must be a non-empty string")
        keywords = row.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) and k.strip() for k in keywords):
            raise ValueError(f"{where}: 'keywords' must be a list of non-empty strings")
        if row["id"] in seen:
            raise ValueError(f"{where}: duplicate id {row['id']!r}")
        seen.add(row["id"])
        entries.append(FaqEntry(row["id"], row["question"].strip(), tuple(keywords), row["answer"].strip()))
    return entries


class FaqIndex:
    """BM25 over FAQ entries; build once (segmentation of the entries happens lazily, on first search)."""

    def __init__(self, entries: Sequence[FaqEntry], threshold: float = DEFAULT_THRESHOLD) -> None:
        if not entries:
            raise ValueError("FaqIndex needs at least one entry")
        self.entries = list(entries)
        self.threshold = threshold
        self._keywords = [tuple(normalize(k) for k in e.keywords) for e in self.entries]
        self._docs: list[Counter[str]] | None = None

    @classmethod
    def from_file(cls, path: Path | str = DEFAULT_FAQ_PATH, threshold: float = DEFAULT_THRESHOLD) -> FaqIndex:
        return cls(load_entries(path), threshold)

    def warm(self) -> None:
        """Load jieba and segment the entries now (about a second), e.g. at start-up, not on a message."""
        if self._docs is None:
            self._build()

    def get(self, entry_id: str) -> FaqEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    def _build(self) -> list[Counter[str]]:
        vocab = {k for kws in self._keywords for k in kws}
        docs = []
        for entry, kws in zip(self.entries, self._keywords, strict=True):
            tokens = tokenize(entry.question, vocab)
            for kw in kws:
                tokens += tokenize(kw, vocab) * 2
            docs.append(Counter(tokens))
        self._docs = docs
        n = len(docs)
        df: Counter[str] = Counter(t for d in docs for t in d)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._lengths = [sum(d.values()) for d in docs]
        self._avg = sum(self._lengths) / n
        return docs

    def search(self, text: str, limit: int = 3) -> list[tuple[FaqEntry, float]]:
        """Best entries for ``text`` with their scores, best first; empty when nothing is close enough."""
        docs = self._docs if self._docs is not None else self._build()
        norm = normalize(text)
        query = set(tokenize(norm))
        scored: list[tuple[FaqEntry, float]] = []
        for i, (entry, doc) in enumerate(zip(self.entries, docs, strict=True)):
            score = 0.0
            for term in query:
                tf = doc.get(term, 0)
                if tf:
                    norm_len = _K1 * (1 - _B + _B * self._lengths[i] / self._avg)
                    score += self._idf[term] * tf * (_K1 + 1) / (tf + norm_len)
            score += sum(1.0 for kw in self._keywords[i] if len(kw) >= 2 and kw in norm)
            if score >= self.threshold:
                scored.append((entry, round(score, 4)))
        scored.sort(key=lambda pair: -pair[1])
        return scored[:limit]
