"""The docs gallery shows every chart of salescore.plot, and every one of its blocks draws."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path
from types import ModuleType

from salescore import plot

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "gallery.md"


def _hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gallery_hook", ROOT / "docs_hooks" / "gallery.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def charts() -> list[str]:
    """The public names of salescore.plot that draw: the callables taking ``lang``."""
    return [
        name
        for name in plot.__all__
        if callable(obj := getattr(plot, name)) and "lang" in inspect.signature(obj).parameters
    ]


def test_gallery_names_every_public_name() -> None:
    text = PAGE.read_text(encoding="utf-8")
    missing = [name for name in plot.__all__ if f"`{name}`" not in text]
    assert not missing, f"docs/gallery.md does not mention {missing}"


def test_gallery_has_a_block_drawing_every_chart() -> None:
    hook = _hook()
    blocks = dict(hook.blocks(PAGE.read_text(encoding="utf-8")))
    assert len(charts()) >= 16
    for name in charts():
        assert name in blocks, f"docs/gallery.md has no '# gallery: {name}' block"
        assert f"plot.{name}(" in blocks[name], f"the {name!r} block does not call plot.{name}"
        assert f"](gallery/{name}.png)" in PAGE.read_text(encoding="utf-8")


def test_gallery_blocks_draw_a_png_each() -> None:
    pictures = _hook().render(PAGE.read_text(encoding="utf-8"))
    assert set(charts()) <= set(pictures)
    assert "setup" not in pictures
    assert all(png.startswith(b"\x89PNG") for png in pictures.values())
