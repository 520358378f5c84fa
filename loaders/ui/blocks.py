"""What a dashboard page is made of: blocks that both renderers (the Streamlit app, the static report) know.

A page's builder returns a list of blocks; the renderers only lay them out. Queries and figures therefore live
in one place (``dashboards``) and the app and the report cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Heading:
    text: str


@dataclass
class Note:
    text: str
    kind: str = "info"  # info | warning


@dataclass
class Metric:
    label: str
    value: str
    key: str = ""  # a stable name (the report writes it as data-metric, tests read it)


@dataclass
class Metrics:
    items: list[Metric]


@dataclass
class Chart:
    key: str
    figure: Any  # a plotly Figure
    caption: str = ""


@dataclass
class Table:
    key: str
    title: str
    frame: Any  # a small pandas DataFrame
    formats: dict[str, str] = field(default_factory=dict)  # column -> int | money | ratio | pct | score | text
    caption: str = ""


@dataclass
class Columns:
    """Blocks side by side."""

    blocks: list[Any]


@dataclass
class Widget:
    """An interactive part of the app (``name``: the app's widget function, ``args`` for it); the report
    renders ``static`` in its place."""

    name: str
    static: list[Any]
    args: dict[str, Any] = field(default_factory=dict)


Block = Heading | Note | Metrics | Chart | Table | Columns | Widget


@dataclass(frozen=True)
class Options:
    show_pii: bool = False
    decisions_path: str = ""


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    icon: str
    build: Callable[..., list[Any]]  # (Warehouse, Options) -> list[Block]
    summary: str = ""


def walk(blocks: list[Any]):
    """Every block, depth first, Columns opened (a Widget's static fallback is the report's, not walked)."""
    for block in blocks:
        yield block
        if isinstance(block, Columns):
            yield from walk(block.blocks)


FORMATS: dict[str, Callable[[Any], str]] = {
    "int": lambda v: f"{int(v):,}",
    "money": lambda v: f"{float(v):,.2f}",
    "ratio": lambda v: f"{float(v):,.3f}",
    "pct": lambda v: f"{float(v) * 100:.1f} %",
    "score": lambda v: f"{float(v):.2f}",
}


def format_value(value: Any, kind: str | None) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    try:
        if hasattr(value, "isoformat"):
            return value.isoformat(sep=" ", timespec="seconds") if hasattr(value, "hour") else value.isoformat()
    except TypeError:
        return value.isoformat()
    if kind in FORMATS:
        try:
            return FORMATS[kind](value)
        except (TypeError, ValueError):
            return str(value)
    return str(value)
