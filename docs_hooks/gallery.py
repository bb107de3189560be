"""mkdocs hook: draw the gallery's pictures at build time, from the code blocks of its page.

Each fenced ``python`` block of ``docs/gallery.md`` whose first line is
``# gallery: <name>`` is run in order in one namespace (``setup`` draws
nothing); the figure a block drew is saved as ``gallery/<name>.png`` and
added to the site as a generated file, so ``--strict`` sees every image the
page links to. Nothing is written into ``docs/`` or by the package.
"""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # the docs build has no display

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

PAGE = "gallery.md"
BLOCK = re.compile(r"^```python\n# gallery: (?P<name>[\w-]+)\n(?P<code>.*?)^```$", re.M | re.S)


def blocks(markdown: str) -> list[tuple[str, str]]:
    """The ``(name, code)`` of every gallery block of the page, in order."""
    return [(m["name"], m["code"]) for m in BLOCK.finditer(markdown)]


def _figure(result: Any) -> Figure:
    """The figure a block drew: what its last expression returned, else pyplot's current."""
    if isinstance(result, Figure):
        return result
    if isinstance(result, Axes):
        figure = result.get_figure()
        assert isinstance(figure, Figure)
        return figure
    return plt.gcf()


def render(markdown: str) -> dict[str, bytes]:
    """Run the page's gallery blocks; the PNG of every block but ``setup``, by name."""
    namespace: dict[str, Any] = {"__name__": "gallery"}
    pictures: dict[str, bytes] = {}
    for name, code in blocks(markdown):
        plt.close("all")
        where = f"{PAGE}: gallery block {name!r}"
        tree = ast.parse(code, where)
        last = tree.body[-1] if tree.body else None
        if isinstance(last, ast.Expr):
            tree.body.pop()
        else:
            last = None
        exec(compile(tree, where, "exec"), namespace)
        value = None
        if last is not None:  # the block's last expression is the chart it drew
            expression = ast.Expression(last.value)
            value = eval(compile(expression, where, "eval"), namespace)
        if name == "setup":
            continue
        buffer = io.BytesIO()
        _figure(value).savefig(buffer, format="png", dpi=90)
        pictures[name] = buffer.getvalue()
        plt.close("all")
    return pictures


def on_files(files: Any, config: Any) -> Any:
    """Add ``gallery/<name>.png`` for every picture of the gallery page."""
    from mkdocs.structure.files import File

    markdown = (Path(config["docs_dir"]) / PAGE).read_text(encoding="utf-8")
    for name, png in render(markdown).items():
        files.append(File.generated(config, f"gallery/{name}.png", content=png))
    return files
