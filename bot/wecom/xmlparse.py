"""Hardened XML parsing for callbacks: no DTDs, no entities, no external references (defusedxml)."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


class XmlError(ValueError):
    """Body that is not acceptable XML; ``reason`` is a short metric label."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _value(element: Element) -> Any:
    children = list(element)
    if not children:
        return (element.text or "").strip()
    if all(child.tag == "Item" for child in children):
        return [_value(child) for child in children]
    result: dict[str, Any] = {}
    for child in children:
        value = _value(child)
        if child.tag in result:  # repeated element -> list
            existing = result[child.tag]
            result[child.tag] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            result[child.tag] = value
    return result


def parse_xml(body: str | bytes) -> dict[str, Any]:
    """Parse ``<xml>...</xml>`` into a dict of its children; refuses DTDs and entity declarations."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise XmlError("xml_forbidden_construct") from None
    except (ParseError, ValueError, UnicodeError):
        raise XmlError("xml_malformed") from None
    if root.tag != "xml":
        raise XmlError("xml_unexpected_root")
    value = _value(root)
    return value if isinstance(value, dict) else {}
