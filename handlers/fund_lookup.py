"""Find the funds a message mentions: by 6-digit code, full or short name, alias, or a near miss.

People type "易方达蓝筹" for "易方达蓝筹精选混合", "华夏城长" for "华夏成长混合", "招商白酒" for
"招商中证白酒指数(LOF)A". The index is built once from a list of :class:`FundRef` (cheap: rebuild it
whenever funds are imported) and answers :meth:`FundIndex.find` without I/O.

Matching, in order:
1. six-digit codes that are in the index (score 1.0, ``how="code"``);
2. exact names (1.0, ``"name"``) and derived aliases (0.95, ``"alias"``): share class, 基金/混合/指数/
   LOF..., index-provider words (中证/沪深...) and the company prefix stripped; an alias shared by
   share classes of one fund (A/C) resolves to the first listed and names the rest in
   ``alternatives``; one shared by unrelated funds comes back as ``"ambiguous"`` (0.6) the same way;
3. near misses on what is left (``"fuzzy"``): an alignment of the alias against the text where a
   homophone (same pinyin, via pypinyin) costs 0.25 and a typo, missing, extra or swapped character
   costs 1; accepted when ``1 - cost / len(alias) >= FUZZY_THRESHOLD``.
Matches come back in order of appearance, one per fund.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pypinyin import Style, pinyin

FUZZY_THRESHOLD = 0.75
MIN_FUZZY_LEN = 4
CODE_RE = re.compile(r"(?<!\d)\d{6}(?!\d)")
_PARENS_RE = re.compile(r"\([^)]*\)")
_SEGMENT_RE = re.compile(r"[0-9a-z\u3400-\u9fff]+")
# Suffixes stripped (repeatedly) to derive the names people actually type.
_SUFFIXES = (
    "a类", "b类", "c类", "e类", "a", "b", "c", "e", "h", "类", "份额", "基金", "发起式", "联接", "lof",
    "etf", "qdii", "混合型", "股票型", "债券型", "混合", "股票", "债券", "指数", "增强", "灵活配置",
    "精选", "纯债", "人民币", "美元", "现汇", "现钞",
)  # fmt: skip
_INDEX_WORDS = ("中证", "国证", "沪深", "上证", "深证", "中债")
_SCORES = {"code": 1.0, "name": 1.0, "alias": 0.95, "ambiguous": 0.6}


@dataclass(frozen=True, slots=True)
class FundRef:
    """What the index needs to know about a fund."""

    code: str
    name: str
    short_name: str = ""
    fund_type: str = ""
    company: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Match:
    """A fund found in the text: where, how and how sure."""

    code: str
    score: float
    how: str  # "code" | "name" | "alias" | "ambiguous" | "fuzzy"
    start: int
    end: int
    alternatives: tuple[str, ...] = field(default=())


@cache
def _t2s() -> Any:
    try:
        import opencc

        return opencc.OpenCC("t2s")
    except Exception:  # pragma: no cover - OpenCC is a pinned dependency; degrade to no conversion
        return None


def normalize(text: str) -> str:
    """NFKC (full-width digits and brackets), traditional -> simplified, lower case."""
    text = unicodedata.normalize("NFKC", text).lower()
    conv = _t2s()
    if conv is not None and any("\u3400" <= ch <= "\u9fff" for ch in text):
        text = conv.convert(text)
    return text


@cache
def _sounds(ch: str) -> frozenset[str]:
    """Every toneless pinyin reading of a character (the character itself when it has none)."""
    if not ("\u3400" <= ch <= "\u9fff"):
        return frozenset((ch,))
    return frozenset(pinyin(ch, style=Style.NORMAL, heteronym=True)[0])


def codes_in(text: str) -> list[tuple[str, int]]:
    """Every six-digit number in the text with its position, known to the index or not."""
    return [(m.group(), m.start()) for m in CODE_RE.finditer(normalize(text))]


def derive_aliases(ref: FundRef) -> dict[str, str]:
    """alias -> how ("name" or "alias") for one fund."""
    out: dict[str, str] = {}
    for raw in (ref.name, ref.short_name):
        if raw.strip():
            out[normalize(raw).replace(" ", "")] = "name"
    for raw in ref.aliases:
        if raw.strip():
            out.setdefault(normalize(raw).replace(" ", ""), "alias")
    company = normalize(ref.company).replace(" ", "")
    for base in list(out):
        variants = {base, _PARENS_RE.sub("", base)}
        for v in list(variants):
            while True:
                suffix = next((s for s in _SUFFIXES if v.endswith(s) and len(v) - len(s) >= 3), None)
                if suffix is None:
                    break
                v = v[: -len(suffix)]
                variants.add(v)
        for v in list(variants):
            for word in _INDEX_WORDS:
                if word in v and len(v) - len(word) >= 4:
                    variants.add(v.replace(word, "", 1))
        if company:
            for v in list(variants):
                if v.startswith(company) and len(v) - len(company) >= 3:
                    variants.add(v[len(company) :])
        for v in variants:
            if len(v) >= 3:
                out.setdefault(v, "alias")
    return out


@dataclass(slots=True)
class _Alias:
    text: str
    codes: list[str]
    how: str
    sounds: tuple[frozenset[str], ...] = ()


class FundIndex:
    """An immutable lookup over a fund list; build a new one when the list changes."""

    def __init__(self, funds: Iterable[FundRef]) -> None:
        self.funds: dict[str, FundRef] = {}
        self._aliases: dict[str, _Alias] = {}
        for ref in funds:
            if not re.fullmatch(r"\d{6}", ref.code):
                raise ValueError(f"fund code must be six digits, got {ref.code!r}")
            if ref.code in self.funds:
                raise ValueError(f"duplicate fund code {ref.code}")
            if not ref.name.strip():
                raise ValueError(f"fund {ref.code} has no name")
            self.funds[ref.code] = ref
            for text, how in derive_aliases(ref).items():
                entry = self._aliases.get(text)
                if entry is None:
                    self._aliases[text] = _Alias(text, [ref.code], how)
                else:
                    entry.codes.append(ref.code)
                    if how == "name":
                        entry.how = "name"
        # A derived alias shared by funds that are not share classes of one fund ("纳斯达克100" for two
        # companies' funds) is ambiguous: still recognised, so the handler can ask which one is meant.
        for entry in self._aliases.values():
            if len(entry.codes) > 1 and entry.how == "alias" and not self._same_family(entry.codes):
                entry.how = "ambiguous"
        self._by_length = sorted(self._aliases.values(), key=lambda a: -len(a.text))
        self._fuzzy: list[_Alias] = []
        self._by_sound: dict[str, set[int]] = {}
        for entry in self._by_length:
            if len(entry.text) >= MIN_FUZZY_LEN and entry.how != "ambiguous":
                entry.sounds = tuple(_sounds(ch) for ch in entry.text)
                idx = len(self._fuzzy)
                self._fuzzy.append(entry)
                for sounds in entry.sounds:
                    for s in sounds:
                        self._by_sound.setdefault(s, set()).add(idx)

    def _same_family(self, codes: list[str]) -> bool:
        """True when the funds differ only by share class (their names minus A/C match)."""
        stems = {re.sub(r"[a-e]类?$|[a-e]类份额$", "", normalize(self.funds[c].name)) for c in codes}
        return len(stems) == 1

    def __len__(self) -> int:
        return len(self.funds)

    def get(self, code: str) -> FundRef | None:
        return self.funds.get(code)

    def find(self, text: str) -> list[Match]:
        """Funds mentioned in ``text``, in order of appearance, at most one match per fund."""
        norm = normalize(text)
        chars = list(norm)
        found: dict[str, Match] = {}
        for m in CODE_RE.finditer(norm):
            if m.group() in self.funds and m.group() not in found:
                found[m.group()] = Match(m.group(), _SCORES["code"], "code", m.start(), m.end())
            chars[m.start() : m.end()] = "\0" * 6
        masked = "".join(chars)
        for entry in self._by_length:
            pos = masked.find(entry.text)
            while pos >= 0:
                end = pos + len(entry.text)
                if "\0" not in masked[pos:end]:
                    code = entry.codes[0]
                    if code not in found:
                        found[code] = Match(
                            code, _SCORES[entry.how], entry.how, pos, end, tuple(entry.codes[1:])
                        )
                    masked = masked[:pos] + "\0" * len(entry.text) + masked[end:]
                pos = masked.find(entry.text, end)
        for match in self._fuzzy_matches(masked):
            if match.code not in found:
                found[match.code] = match
        return sorted(found.values(), key=lambda m: m.start)

    def _fuzzy_matches(self, masked: str) -> list[Match]:
        candidates: list[Match] = []
        for seg in _SEGMENT_RE.finditer(masked):
            if len(seg.group()) < MIN_FUZZY_LEN - 1:
                continue
            seg_sounds = [_sounds(ch) for ch in seg.group()]
            present = set().union(*seg_sounds)
            ids: set[int] = set()
            for s in present:
                ids |= self._by_sound.get(s, set())
            for idx in ids:
                entry = self._fuzzy[idx]
                n = len(entry.text)
                max_err = 1 if n < 8 else 2
                if sum(1 for ps in entry.sounds if ps & present) < n - max_err:
                    continue
                cost, start, end = _align(entry.text, entry.sounds, seg.group(), seg_sounds)
                score = 1.0 - cost / n
                if cost <= max_err and score >= FUZZY_THRESHOLD:
                    candidates.append(
                        Match(entry.codes[0], round(score, 4), "fuzzy", seg.start() + start,
                              seg.start() + end, tuple(entry.codes[1:]))
                    )  # fmt: skip
        chosen: list[Match] = []
        for cand in sorted(candidates, key=lambda m: (-m.score, m.start)):
            if all(cand.end <= c.start or cand.start >= c.end for c in chosen):
                chosen.append(cand)
        return chosen


def _align(
    pattern: str, p_sounds: tuple[frozenset[str], ...], text: str, t_sounds: list[frozenset[str]]
) -> tuple[float, int, int]:
    """Cheapest alignment of all of ``pattern`` to a substring of ``text``: (cost, start, end).

    Optimal-string-alignment distance with free leading and trailing text; a homophone substitution
    costs 0.25, any other edit (substitution, insertion, deletion, adjacent swap) costs 1.
    """
    m, n = len(pattern), len(text)
    # prev2/prev/cur rows over text positions j = 0..n; each cell holds (cost, start).
    prev2: list[tuple[float, int]] = []
    prev = [(0.0, j) for j in range(n + 1)]
    for i in range(1, m + 1):
        cur = [(float(i), 0)]
        pc, ps = pattern[i - 1], p_sounds[i - 1]
        for j in range(1, n + 1):
            tc = text[j - 1]
            sub = 0.0 if pc == tc else 0.25 if ps & t_sounds[j - 1] else 1.0
            best = (prev[j - 1][0] + sub, prev[j - 1][1])
            if prev[j][0] + 1.0 < best[0]:
                best = (prev[j][0] + 1.0, prev[j][1])
            if cur[j - 1][0] + 1.0 < best[0]:
                best = (cur[j - 1][0] + 1.0, cur[j - 1][1])
            if i > 1 and j > 1 and pc == text[j - 2] and pattern[i - 2] == tc and pc != tc:
                if prev2[j - 2][0] + 1.0 < best[0]:
                    best = (prev2[j - 2][0] + 1.0, prev2[j - 2][1])
            cur.append(best)
        prev2, prev = prev, cur
    end = min(range(n + 1), key=lambda j: (prev[j][0], -j))
    return prev[end][0], prev[end][1], end
