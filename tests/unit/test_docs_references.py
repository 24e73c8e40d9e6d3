"""Every test the security documents cite exists: a claim whose proof was renamed or deleted is caught here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = ["SECURITY.md", "README.md", *(p.relative_to(REPO).as_posix() for p in (REPO / "docs").glob("*.md"))]
# `tests/x.py::name` (and `::other` following it in the same cell), or a bare tests/... file path
CITATION = re.compile(r"`(tests/[\w/.-]+\.(?:py|yaml))((?:::\w+)?)`((?:, `::\w+`)*)")


def _citations(text: str) -> list[tuple[str, list[str]]]:
    found = []
    for match in CITATION.finditer(text):
        names = [n for n in [match[2].removeprefix("::"), *re.findall(r"`::(\w+)`", match[3])] if n]
        found.append((match[1], names))
    return found


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_cited_test_exists(document: str) -> None:
    missing = []
    for path, names in _citations((REPO / document).read_text()):
        target = REPO / path
        if not target.exists():
            missing.append(path)
            continue
        source = target.read_text()
        missing += [f"{path}::{name}" for name in names if not re.search(rf"def {name}\b", source)]
    assert missing == []


def test_the_citation_pattern_reads_the_forms_used() -> None:
    text = "`tests/a.py::one`, `::two` and `tests/b.yaml`"
    assert _citations(text) == [("tests/a.py", ["one", "two"]), ("tests/b.yaml", [])]
