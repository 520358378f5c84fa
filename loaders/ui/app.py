"""The Streamlit app behind `cx ui` (run as ``streamlit run app.py -- --db … [--show-pii] [--decisions …]``).

It renders the blocks of ``loaders.ui.dashboards`` (the same the static report renders) and adds the two
interactive parts: the effort drill-down and the identity review queue, whose buttons append a decision to the
review-decisions CSV. The warehouse is only ever opened read-only.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from loaders.ui import review
from loaders.ui.blocks import Chart, Columns, Heading, Metrics, Note, Options, Page, Table, Widget
from loaders.ui.dashboards import DRILL_FORMATS, PAGES, effort_drill, figure, penalty_waterfall
from loaders.ui.masking import blank
from loaders.ui.warehouse import Warehouse, WarehouseUnavailable

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="cx ui (app)")
    p.add_argument("--db", required=True)
    p.add_argument("--decisions", required=True)
    p.add_argument("--show-pii", action="store_true")
    return p.parse_args(argv)


@dataclass
class Context:
    wh: Warehouse
    options: Options
    charts: int = 0
    keys: set[str] = field(default_factory=set)

    def key(self, base: str) -> str:
        n, key = 1, base
        while key in self.keys:
            n += 1
            key = f"{base}_{n}"
        self.keys.add(key)
        return key


DIGITS = {"money": 2, "ratio": 3, "score": 2}


def column_config(formats: dict[str, str]) -> dict[str, Any]:
    """Thousands separators and the format's digits (the values are rounded by ``displayed``)."""
    presets = {"int": "localized", "money": "localized", "ratio": "localized", "pct": "percent",
               "score": "localized"}
    return {c: st.column_config.NumberColumn(format=presets[k]) for c, k in formats.items() if k in presets}


def displayed(frame: Any, formats: dict[str, str]) -> Any:
    """A copy with each formatted column rounded to its digits (for the localized number format)."""
    out = frame.copy()
    for column, kind in formats.items():
        if kind in DIGITS and column in out.columns:
            out[column] = out[column].astype(float).round(DIGITS[kind])
    return out


def render(blocks: list[Any], ctx: Context) -> None:
    for block in blocks:
        if isinstance(block, Heading):
            st.subheader(block.text)
        elif isinstance(block, Note):
            (st.warning if block.kind == "warning" else st.info)(block.text)
        elif isinstance(block, Metrics):
            for col, metric in zip(st.columns(len(block.items)), block.items, strict=True):
                col.metric(metric.label, metric.value)
        elif isinstance(block, Chart):
            chart(block.figure, ctx, block.key)
            if block.caption:
                st.caption(block.caption)
        elif isinstance(block, Table):
            st.markdown(f"**{block.title}**")
            if block.frame is None or block.frame.empty:
                st.caption("no rows")
            else:
                st.dataframe(displayed(block.frame, block.formats), hide_index=True,
                             column_config=column_config(block.formats),
                             key=ctx.key(f"table_{block.key}"))
            if block.caption:
                st.caption(block.caption)
        elif isinstance(block, Columns):
            for col, inner in zip(st.columns(len(block.blocks)), block.blocks, strict=True):
                with col:
                    render([inner], ctx)
        elif isinstance(block, Widget):
            WIDGETS[block.name](ctx, **block.args)


def chart(fig: go.Figure, ctx: Context, key: str) -> None:
    st.plotly_chart(fig, theme=None, config=PLOTLY_CONFIG, key=ctx.key(f"chart_{key}"))
    ctx.charts += 1


# -- interactive parts ----------------------------------------------------------------------------------
def effort_drill_widget(ctx: Context, queue_expr: str, queues: list[str], media: list[str]) -> None:
    left, right = st.columns(2)
    queue = left.selectbox("queue", ["all queues", *queues], key="drill_queue")
    media_type = right.selectbox("media type", ["all media types", *media], key="drill_media")
    frame = effort_drill(ctx.wh, queue_expr, None if queue == "all queues" else queue,
                         None if media_type == "all media types" else media_type)
    if frame.empty:
        st.info("No scored conversation matches.")
        return
    st.caption("The highest-effort conversations first; select a row to see its penalty breakdown.")
    event = st.dataframe(displayed(frame, DRILL_FORMATS), hide_index=True, on_select="rerun",
                         selection_mode="single-row",
                         column_config=column_config(DRILL_FORMATS), key="drill_table")
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    picked = rows[0] if rows and rows[0] < len(frame) else 0
    chart(penalty_waterfall(frame.iloc[picked]), ctx, "penalty_waterfall")


def review_widget(ctx: Context) -> None:
    path = ctx.options.decisions_path
    flash = st.session_state.get("review_flash")  # the last decision recorded in this session stays in view
    if flash:
        st.success(flash)
    queue = review.pending_pairs(ctx.wh, path)
    if queue.empty:
        st.info("No pair waits for review. Decisions recorded here are honoured by the next `make build`.")
        return
    keys = list(queue["pair_key"])
    if st.session_state.get("review_pair") not in keys:
        st.session_state["review_pair"] = keys[0]
    def listed(value: Any) -> str:
        return "–" if blank(value) else str(value).replace(",", ", ")

    labels = {
        r.pair_key: (f"p = {r.match_probability:.3f} · {r.left_source_system} ↔ {r.right_source_system} · "
                     f"agree: {listed(r.agreeing_comparisons)} · disagree: {listed(r.disagreeing_comparisons)}")
        for r in queue.itertuples()
    }
    pair_key = st.selectbox(f"pair to review ({len(keys)} waiting)", keys, format_func=labels.get,
                            key="review_pair")
    pair = queue[queue["pair_key"] == pair_key].iloc[0].to_dict()
    left, right = (pair["left_source_system"], pair["left_source_record_id"]), \
        (pair["right_source_system"], pair["right_source_record_id"])
    a, b, c = st.columns([2, 2, 1])
    a.metric("left record", f"{left[0]} · {left[1]}")
    b.metric("right record", f"{right[0]} · {right[1]}")
    c.metric("match probability", f"{pair['match_probability']:.3f}")
    rows = review.explain(pair, review.level_descriptions(ctx.wh), ctx.options.show_pii)
    import pandas as pd

    frame = pd.DataFrame(rows, columns=["comparison", "left", "right", "level", "weight", "bayes_factor",
                                        "meaning"])
    # an HTML table (not the canvas data grid): the two records side by side, readable and searchable
    shown = frame.assign(weight=[f"{w:+.2f}" for w in frame["weight"]],
                         bayes_factor=[f"{b:.3g}" for b in frame["bayes_factor"]])
    shown.columns = ["comparison", f"left: {left[0]}", f"right: {right[0]}", "level", "weight (bits)",
                     "Bayes factor", "what the level means"]
    st.table(shown.set_index("comparison"))
    compared = frame[frame["level"] != "not compared"].iloc[::-1]
    fig = figure("Why: each comparison's weight (log2 Bayes factor); the prior and the sum give the probability",
                 height=max(260, 40 + 26 * len(compared)), xaxis={"title": "match weight (bits)"})
    fig.add_trace(go.Bar(y=[f"{r.comparison}: {r.level}" for r in compared.itertuples()], x=compared["weight"],
                         orientation="h", showlegend=False,
                         marker={"color": ["#2a9d8f" if w > 0 else "#e76f51" for w in compared["weight"]]}))
    chart(fig, ctx, "review_weights")
    st.caption(f"match weight {pair['match_weight']:.2f} bits (prior included) · blocked by "
               f"{listed(pair['blocking_rules'])}. Values are "
               + ("shown as recorded (--show-pii)." if ctx.options.show_pii else "masked (start with --show-pii "
                                                                               "to see them)."))
    who, note = st.columns(2)
    reviewer = who.text_input("reviewed by", value=review.default_reviewer(), key="reviewer")
    text = note.text_input("note (optional)", key="review_note")
    merge_col, apart_col, _ = st.columns([1, 1, 4])
    decision = None
    if merge_col.button("Merge", type="primary", key="review_merge"):
        decision = review.MERGE
    if apart_col.button("Keep apart", key="review_keep_apart"):
        decision = review.KEEP_APART
    if decision:
        row = review.append_decision(path, left, right, decision, reviewer, text)
        st.session_state["review_flash"] = (
            f"Recorded “{'merge' if decision == review.MERGE else 'keep apart'}” for {left[0]} · {left[1]} ↔ "
            f"{right[0]} · {right[1]} by {row.reviewed_by} at {row.reviewed_at} UTC in {Path(path).name}; "
            "the next `make build` (dbt seed + dbt build) honours it.")
        st.session_state.pop("review_pair", None)
        st.session_state.pop("review_note", None)
        st.rerun()
    st.caption(f"Decisions are appended to {path}.")


WIDGETS = {"effort_drill": effort_drill_widget, "review_queue": review_widget}


# -- pages ----------------------------------------------------------------------------------------------
def page_runner(page: Page, options: Options, db: str):
    def run() -> None:
        started = time.perf_counter()
        st.title(page.title)
        wh = Warehouse(db)
        ctx = Context(wh, options)
        try:
            with wh.session():
                render(page.build(wh, options), ctx)
        except WarehouseUnavailable as exc:
            st.warning(f"The warehouse cannot be read right now: {exc}")
        if wh.stale:
            st.warning(f"A writer ({wh.locked_by}) holds the warehouse: some figures are from before it started.")
        built = wh.built_at()
        when = datetime.fromtimestamp(built, UTC).strftime("%Y-%m-%d %H:%M UTC") if built else "–"
        st.caption(f"{page.title} · {ctx.charts} charts on this page · warehouse {Path(db).name} written {when} · "
                   f"built in {time.perf_counter() - started:.2f} s")

    run.__name__ = f"page_{page.slug}"
    return run


def main() -> None:
    args = parse_args(sys.argv[1:])
    options = Options(show_pii=args.show_pii, decisions_path=args.decisions)
    st.set_page_config(page_title="cx analytics", layout="wide")
    pages = [st.Page(page_runner(p, options, args.db), title=p.title, icon=p.icon or None, url_path=p.slug,
                     default=i == 0) for i, p in enumerate(PAGES)]
    nav = st.navigation(pages)
    with st.sidebar:
        st.caption(f"warehouse: {args.db}")
        if args.show_pii:
            st.warning("PII is shown (--show-pii)")
        else:
            st.caption("PII masked")
    nav.run()


main()
