"""Wording shared by the command's messages and the pages it writes."""

from __future__ import annotations


def counted(number: int, noun: str) -> str:
    """'1 paper', '2 papers': a count with its noun, singular for one."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
