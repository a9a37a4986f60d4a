"""Refuse regular expressions that can backtrack for ever: a keyword rule runs on the event loop.

Python's ``re`` has no time limit, so one rule like ``(a+)+$`` and one message of 30 ``a`` would stall
every callback. Rules that operations staff type are checked here before they are saved; the classic
cause of catastrophic backtracking is a repeat inside a repeat (``(a+)+``, ``(a*b?)*``, ``(\\w+\\s?)+``),
and a back-reference can be as bad. Config rules are reviewed in git and are checked at start-up too.
"""

from __future__ import annotations

import re
from typing import Any

try:  # the parser is private, but has been stable for years; without it the check falls back to lengths
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - older or newer layouts
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

MAX_PATTERN = 256
REPEATS = {
    sre_constants.MAX_REPEAT,
    sre_constants.MIN_REPEAT,
    getattr(sre_constants, "POSSESSIVE_REPEAT", None),
}


class UnsafeRegex(ValueError):
    pass


MAX_OPEN_REPEATS = 2  # .*.*x is 3 ms on 300 characters; .*.*.*x is 265 ms and grows as n^4


def check_regex(pattern: str) -> None:
    """Raise UnsafeRegex (or re.error) for a pattern that does not compile or may backtrack for ever."""
    if len(pattern) > MAX_PATTERN:
        raise UnsafeRegex(f"at most {MAX_PATTERN} characters")
    re.compile(pattern)
    parsed = sre_parse.parse(pattern)
    _walk(parsed, inside_repeat=False)
    if _open_repeats(parsed) > MAX_OPEN_REPEATS:
        raise UnsafeRegex(
            f"more than {MAX_OPEN_REPEATS} open-ended repeats (.*, +) in a row can take for ever; simplify it"
        )


def _inner(op: Any, arg: Any) -> list[Any]:
    """The sub-patterns directly inside one parsed item (a group's body, a branch's alternatives...)."""
    if op in REPEATS and op is not None:
        return [arg[2]]
    if op is sre_constants.SUBPATTERN:
        return [arg[-1]]
    if op is sre_constants.BRANCH:
        return list(arg[1])
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return [arg[1]]
    if op is getattr(sre_constants, "ATOMIC_GROUP", None):
        return [arg]
    return []


def _open_repeats(items: Any) -> int:
    """Repeats without a small upper bound, anywhere in the pattern: each multiplies the work."""
    count = 0
    for op, arg in items:
        if op in REPEATS and op is not None and arg[1] - arg[0] > 20:
            count += 1
        inner = [_open_repeats(sub) for sub in _inner(op, arg)]
        # alternatives are tried one at a time: the costliest one counts
        count += max(inner, default=0) if op is sre_constants.BRANCH else sum(inner)
    return count


def _walk(items: Any, inside_repeat: bool, variable: bool = False) -> None:
    """``inside_repeat``: under a repeat of more than one; ``variable``: under one of varying length."""
    for op, arg in items:
        if op in REPEATS and op is not None:
            low, high, sub = arg
            if inside_repeat and high != low:
                raise UnsafeRegex("a repeat inside a repeat (like (a+)+) can take for ever; simplify it")
            _walk(sub, inside_repeat or high > 1, variable or high != low)
            continue
        if op is sre_constants.GROUPREF or op is sre_constants.GROUPREF_EXISTS:
            raise UnsafeRegex("back-references (\\1) are not allowed in keyword rules")
        if op is sre_constants.BRANCH and variable:
            raise UnsafeRegex("alternatives inside a repeat (like (a|aa)+) can take for ever")
        for sub in _inner(op, arg):
            _walk(sub, inside_repeat, variable)
