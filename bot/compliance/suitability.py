"""Suitability (适当性管理): a product of risk R<n> may only go to customers assessed C<n> or above."""

from __future__ import annotations

import re
import unicodedata

_LEVEL_RE = re.compile(r"^([RC])([1-5])$")


def parse_level(value: str, prefix: str) -> int:
    """'R3' / 'r3' / 'Ｒ３' -> 3 for prefix 'R'; anything else raises ValueError naming the value."""
    if not isinstance(value, str):
        raise ValueError(f"risk level must be a string like {prefix}3, got {value!r}")
    folded = unicodedata.normalize("NFKC", value).strip().upper()
    match = _LEVEL_RE.match(folded)
    if not match or match.group(1) != prefix:
        raise ValueError(f"risk level must be {prefix}1..{prefix}5, got {value!r}")
    return int(match.group(2))


def check_suitability(product_risk: str, customer_risk: str) -> bool:
    """True when a customer of ``customer_risk`` (C1..C5) may be offered a ``product_risk`` (R1..R5)."""
    return parse_level(customer_risk, "C") >= parse_level(product_risk, "R")
