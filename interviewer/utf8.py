"""Text that UTF-8 can carry: what a terminal, a pipe or an old database hands over may not be."""

from __future__ import annotations

from typing import Any

REPLACEMENT = "\ufffd"


def repair(text: str) -> str:
    """The text with every lone surrogate (a byte a non-UTF-8 terminal could not decode) shown as U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return "".join(REPLACEMENT if "\ud800" <= ch <= "\udfff" else ch for ch in text)


def repair_tree(value: Any) -> Any:
    """:func:`repair` applied to every string inside JSON-like data (dicts, lists, strings)."""
    if isinstance(value, str):
        return repair(value)
    if isinstance(value, list):
        return [repair_tree(item) for item in value]
    if isinstance(value, dict):
        return {repair_tree(key): repair_tree(item) for key, item in value.items()}
    return value
