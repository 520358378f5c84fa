"""`cx report`: the dashboards as static HTML, one file per page plus an index, readable offline.

The pages are the same blocks the app renders (``loaders.ui.dashboards``). Charts are plotly figures; the
plotly.js bundle is written once beside the pages (``plotly.min.js``), so nothing is fetched from a network.
Tables carry ``data-table`` / ``data-column`` attributes and metrics ``data-metric`` (tests read them).
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loaders.ui.blocks import Chart, Columns, Heading, Metrics, Note, Options, Page, Table, Widget, format_value
from loaders.ui.dashboards import PAGES
from loaders.ui.warehouse import Warehouse, WarehouseUnavailable

PLOTLY_JS = "plotly.min.js"
CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f2933; }
header { background: #0f3d56; color: white; padding: 12px 24px; }
header a { color: #cfe8f3; margin-right: 18px; text-decoration: none; }
header a.current { color: white; font-weight: 600; border-bottom: 2px solid white; }
main { padding: 12px 24px 40px; max-width: 1500px; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 28px; }
.note { background: #eef6fb; border-left: 4px solid #3b82c4; padding: 8px 12px; margin: 10px 0; }
.note.warning { background: #fff7e6; border-left-color: #e0a100; }
.metrics { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.metric { border: 1px solid #e1e7ec; border-radius: 6px; padding: 8px 14px; min-width: 150px; }
.metric .label { display: block; font-size: .8rem; color: #5b6b79; }
.metric .value { display: block; font-size: 1.5rem; font-weight: 600; }
.row { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
.row > div { min-width: 0; }
table { border-collapse: collapse; font-size: .85rem; margin: 6px 0 18px; }
th, td { border-bottom: 1px solid #e1e7ec; padding: 4px 10px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.caption, footer { color: #5b6b79; font-size: .8rem; }
.scroll { max-height: 520px; overflow: auto; }
"""


def _text(text: str) -> str:
    """Plain text with `code` spans."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def render_blocks(blocks: list[Any], counter: list[int]) -> str:
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"<h2>{html.escape(block.text)}</h2>")
        elif isinstance(block, Note):
            parts.append(f'<div class="note {html.escape(block.kind)}">{_text(block.text)}</div>')
        elif isinstance(block, Metrics):
            items = "".join(
                f'<div class="metric" data-metric="{html.escape(m.key)}"><span class="label">'
                f'{html.escape(m.label)}</span><span class="value">{html.escape(m.value)}</span></div>'
                for m in block.items)
            parts.append(f'<div class="metrics">{items}</div>')
        elif isinstance(block, Chart):
            counter[0] += 1
            height = block.figure.layout.height or 360
            div = block.figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{block.key}",
                                       config={"displaylogo": False, "responsive": True},
                                       default_width="100%", default_height=f"{height}px")
            parts.append(f'<div class="chart" data-chart="{html.escape(block.key)}">{div}</div>')
            if block.caption:
                parts.append(f'<p class="caption">{_text(block.caption)}</p>')
        elif isinstance(block, Table):
            parts.append(render_table(block))
        elif isinstance(block, Columns):
            inner = "".join(f"<div>{render_blocks([b], counter)}</div>" for b in block.blocks)
            # a fixed column count: plotly sizes a chart to its cell when it draws, before later cells exist
            parts.append(f'<div class="row" style="grid-template-columns: repeat({len(block.blocks)}, '
                         f'minmax(0, 1fr))">{inner}</div>')
        elif isinstance(block, Widget):
            parts.append(render_blocks(block.static, counter))
    return "\n".join(parts)


def render_table(table: Table) -> str:
    out = [f"<h3>{html.escape(table.title)}</h3>"]
    frame = table.frame
    if frame is None or frame.empty:
        out.append('<p class="caption">no rows</p>')
    else:
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
        body = []
        for record in frame.to_dict("records"):
            cells = []
            for column, value in record.items():
                kind = table.formats.get(str(column))
                cls = ' class="num"' if kind in ("int", "money", "ratio", "pct", "score") else ""
                cells.append(f'<td data-column="{html.escape(str(column))}"{cls}>'
                             f"{html.escape(format_value(value, kind))}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        out.append(f'<div class="scroll"><table data-table="{html.escape(table.key)}"><thead><tr>{head}</tr></thead>'
                   f"<tbody>{''.join(body)}</tbody></table></div>")
    if table.caption:
        out.append(f'<p class="caption">{_text(table.caption)}</p>')
    return "\n".join(out)


def _nav(current: str) -> str:
    links = ['<a href="index.html"' + (' class="current"' if current == "index" else "") + ">cx analytics</a>"]
    for page in PAGES:
        cls = ' class="current"' if page.slug == current else ""
        links.append(f'<a href="{page.slug}.html"{cls}>{html.escape(page.title)}</a>')
    return "<header>" + "".join(links) + "</header>"


def _document(title: str, current: str, body: str, footer: str) -> str:
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<script src="{PLOTLY_JS}"></script><style>{CSS}</style></head>\n<body>{_nav(current)}<main>'
            f"{body}</main><footer><main>{footer}</main></footer></body></html>\n")


def render_page(page: Page, wh: Warehouse, options: Options, generated: str) -> str:
    counter = [0]
    try:
        body = render_blocks(page.build(wh, options), counter)
    except WarehouseUnavailable as exc:
        body = f'<div class="note warning">{_text(str(exc))}</div>'
    footer = (f'<span data-charts="{counter[0]}">{counter[0]} charts</span> · warehouse '
              f"{html.escape(Path(wh.path).name)} · generated {generated} by <code>cx report</code>")
    return _document(f"{page.title} · cx analytics", page.slug, f"<h1>{html.escape(page.title)}</h1>{body}",
                     footer)


def write_report(db: str | Path, out: str | Path, options: Options) -> list[Path]:
    """Write index.html, one ``<slug>.html`` per page and plotly.min.js into ``out``; the written pages."""
    from plotly.offline import get_plotlyjs

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / PLOTLY_JS).write_text(get_plotlyjs(), encoding="utf-8")
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    written = []
    wh = Warehouse(db)
    with wh.session():
        for page in PAGES:
            path = out / f"{page.slug}.html"
            path.write_text(render_page(page, wh, options, generated), encoding="utf-8")
            written.append(path)
    items = "".join(f'<li><a href="{p.slug}.html">{html.escape(p.title)}</a> — {html.escape(p.summary)}</li>'
                    for p in PAGES)
    index = _document("cx analytics", "index",
                      f"<h1>cx analytics dashboards</h1><ul>{items}</ul>"
                      + ("" if options.show_pii else "<p class='caption'>PII is masked.</p>"),
                      f"warehouse {html.escape(Path(wh.path).name)} · generated {generated} by <code>cx report</code>")
    (out / "index.html").write_text(index, encoding="utf-8")
    return written
