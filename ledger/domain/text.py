"""Single-line text: what may go into a name, and how free text is flattened for a one-line format.

A newline in a name once smuggled directives into a beancount export, so names refuse control
characters at input, and exporters flatten free text (summaries, notes) that may span lines.
"""
from __future__ import annotations

import unicodedata

# Besides the control characters (C0, DEL, C1: category Cc), the characters that end a line or
# reorder what a reader sees: line and paragraph separators, and the bidirectional embeddings,
# overrides and isolates ("Trojan Source").
_ALSO_FORBIDDEN = frozenset("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_control(ch: str) -> bool:
    """Whether one character has no place in single-line text."""
    return ch in _ALSO_FORBIDDEN or unicodedata.category(ch) == "Cc"


def first_control(text: str) -> int | None:
    """The index of the first character that has no place in single-line text, or None."""
    for i, ch in enumerate(text):
        if is_control(ch):
            return i
    return None


def single_line(text: str) -> str:
    """The text on one line: each control character or line break (CRLF counts once) becomes a space."""
    if first_control(text) is None:
        return text
    return "".join(" " if is_control(ch) else ch for ch in text.replace("\r\n", "\n"))
