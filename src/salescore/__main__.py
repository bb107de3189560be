"""The guided tour: ``python -m salescore``.

A short walk through what salescore does, on data generated in memory with a
fixed seed. The shell layer (this module and ``salescore._tour``) is the only
code that prints.
"""

from __future__ import annotations

import sys
from typing import TextIO

import salescore
from salescore._tour import SECTIONS


def run(out: TextIO = sys.stdout) -> None:
    """Write the whole tour to ``out``."""
    out.write("salescore: sales-management logic, exact to the cent.\n")
    for section in SECTIONS:
        section(out)
    out.write(f"\nsalescore {salescore.__version__}: see README.md and docs/ for more.\n")


if __name__ == "__main__":  # pragma: no cover - exercised through run() in the tests
    run()
