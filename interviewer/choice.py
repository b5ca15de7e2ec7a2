"""A closed vocabulary as a string Enum whose unknown values raise an error listing the valid ones."""

from __future__ import annotations

import enum
from typing import TypeVar

T = TypeVar("T", bound=enum.Enum)


class Choice(str, enum.Enum):
    """A string-valued Enum with a forgiving, self-explaining :meth:`parse`."""

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def parse(cls, value: object):
        """The member for a member, value or name (any case), or a ValueError listing the valid values."""
        return parse_choice(cls, value)


def parse_choice(cls: type[T], value: object) -> T:
    """The member of any string Enum for a member, value or name, or a ValueError listing the valid values."""
    if isinstance(value, cls):
        return value
    text = str(value.value if isinstance(value, enum.Enum) else value).strip().lower()
    for member in cls:
        if text in (str(member.value).lower(), member.name.lower()):
            return member
    valid = ", ".join(str(m.value) for m in cls)
    raise ValueError(f"unknown {cls.__name__.lower()} {value!r}; valid: {valid}")
