"""SSML → the plain words a caller hears (what the simulated phone and the transcript record)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

_SPELLED = {"digits", "characters", "spell-out", "telephone"}
_SILENT = {"break", "mark"}
_SPEAK_OPEN = re.compile(r"^\s*<speak\b")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,!?;:])")
# Polly's amazon:* tags carry an undeclared prefix; declaring it lets a standard XML parser read them.
_AMAZON_NS = ' xmlns:amazon="https://docs.aws.amazon.com/polly/ssml"'


class InvalidSsml(ValueError):
    """Not well-formed SSML with a ``<speak>`` root (Polly would reject it, so Connect errors)."""


def ssml_to_text(ssml: str) -> str:
    """Plain words as heard: spelled-out ``say-as`` read character by character, breaks silent, tags gone."""
    if not _SPEAK_OPEN.match(ssml):
        raise InvalidSsml("SSML must start with <speak>")
    document = ssml.strip()
    if "xmlns:amazon" not in document:
        document = document.replace("<speak", "<speak" + _AMAZON_NS, 1)
    try:
        # SSML here comes from this project's flows and Lambdas, never from a caller.
        root = ET.fromstring(document)  # noqa: S314
    except ET.ParseError as exc:
        raise InvalidSsml(f"SSML is not well-formed XML: {exc}") from None
    words = " ".join(_words(root).split())
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", words)


def _local(tag: str) -> str:
    """Tag name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def _words(element: ET.Element) -> str:
    """The spoken text of ``element`` and its tail-free children."""
    tag = _local(element.tag)
    if tag in _SILENT:
        return " "
    if tag == "sub" and element.get("alias") is not None:
        return " " + str(element.get("alias")) + " "
    if tag == "say-as" and element.get("interpret-as") in _SPELLED:
        characters = [c for c in "".join(element.itertext()) if c.isalnum()]
        return " " + " ".join(characters) + " "
    parts = [element.text or ""]
    for child in element:
        parts.append(_words(child))
        parts.append(child.tail or "")
    separator = " " if tag in {"p", "s"} else ""
    return separator + "".join(parts) + separator
