"""Shared bits of the tour sections."""

from __future__ import annotations

from typing import TextIO


def heading(out: TextIO, title: str) -> None:
    """Write a section heading."""
    out.write(f"\n== {title} ==\n")
