"""The four dashboard pages: their queries (aggregated in DuckDB, small results only) and their charts.

Each ``*_page(wh, options)`` returns a list of blocks (``loaders.ui.blocks``); the Streamlit app and the static
report render the same blocks. A mart that is missing or empty gives a note on the page, never an exception.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from loaders.ui import review
from loaders.ui.blocks import Chart, Columns, Heading, Metric, Metrics, Note, Options, Page, Table, Widget
from loaders.ui.warehouse import Warehouse

TEMPLATE = "plotly_white"
DRILL_LIMIT = 50


def figure(title: str, height: int = 360, **layout: Any) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(template=TEMPLATE, title={"text": title, "x": 0, "font": {"size": 15}}, height=height,
                      margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      **layout)
    return fig


def missing(wh: Warehouse, *relations: str) -> list[Note]:
    """A note for each relation that is not built or holds no rows ([] when all have rows)."""
    notes = []
    for relation in relations:
        if not wh.has(relation):
            notes.append(Note(f"`{relation}` is not in the warehouse yet: run `make build` (or `make demo`).",
                              "warning"))
        elif wh.count(relation) == 0:
            notes.append(Note(f"`{relation}` has no rows yet.", "warning"))
    return notes


def _num(value: Any, kind: str = "int") -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "money":
        amount = float(value)
        for limit, suffix in ((1e9, " bn"), (1e6, " M")):
            if abs(amount) >= limit:
                return f"{amount / limit:,.2f}{suffix}"
        return f"{amount:,.0f}" if abs(amount) >= 1e4 else f"{amount:,.2f}"
    if kind == "pct":
        return f"{float(value) * 100:.1f} %"
    return f"{float(value):.2f}"


# ---------------------------------------------------------------------------------------------------------
# Effort (seed 004)
# ---------------------------------------------------------------------------------------------------------
FCT_EFFORT = "marts.fct_conversation_effort"
EFFORT_DAILY = "marts.effort_daily"


def effort_page(wh: Warehouse, options: Options) -> list[Any]:
    blocks: list[Any] = [Note("Behavioural CES per conversation (seed 004): max(1, 7 − 2·transfers − "
                              "⌊(queue wait − 30 s) / 60 s⌋). 7 is effortless, 1 the most effort.")]
    notes = missing(wh, FCT_EFFORT)
    if notes:
        return blocks + notes
    m = wh.df(f"""
        select count(*) as conversations,
               count(*) filter (where is_scored) as scored,
               avg(ces_score) filter (where is_scored) as ces_mean,
               avg(case when is_high_effort then 1.0 else 0.0 end) filter (where is_scored) as high_share,
               avg(transfer_count) filter (where is_scored) as transfers_mean,
               avg(queue_wait_seconds) filter (where is_scored) as wait_mean
        from {FCT_EFFORT}
    """).iloc[0]
    blocks.append(Metrics([
        Metric("conversations", _num(m.conversations), "conversations"),
        Metric("scored", _num(m.scored), "scored"),
        Metric("mean CES", _num(m.ces_mean, "score"), "ces_mean"),
        Metric("high effort", _num(m.high_share, "pct"), "high_effort_share"),
        Metric("transfers / conversation", _num(m.transfers_mean, "score"), "transfers_mean"),
        Metric("mean queue wait (s)", _num(m.wait_mean, "score"), "wait_mean"),
    ]))
    blocks.append(Heading("CES per day"))
    if wh.has(EFFORT_DAILY) and wh.count(EFFORT_DAILY):
        daily_cols = wh.columns(EFFORT_DAILY)
        queue = "coalesce(queue_name, queue_id, '(no queue)')" if "queue_name" in daily_cols else \
            "coalesce(queue_id, '(no queue)')"
        weighted = ("sum(ces_mean * (conversations - unscored_conversations)) "
                    "/ nullif(sum(conversations - unscored_conversations), 0)")
        by_queue = wh.df(f"""
            select conversation_date as day, {queue} as queue, {weighted} as ces_mean, sum(conversations) as n
            from {EFFORT_DAILY} group by all order by queue, day
        """)
        by_media = wh.df(f"""
            select conversation_date as day, coalesce(media_type, '(unknown)') as media_type,
                   {weighted} as ces_mean, sum(conversations) as n
            from {EFFORT_DAILY} group by all order by media_type, day
        """)
        days = sorted(by_queue["day"].unique())
        grid = by_queue.pivot_table(index="queue", columns="day", values="ces_mean", aggfunc="first")
        grid = grid.reindex(columns=days)
        counts = by_queue.pivot_table(index="queue", columns="day", values="n", aggfunc="first").reindex(
            index=grid.index, columns=days)
        fig_q = figure("Mean CES per day by queue", height=max(320, 120 + 26 * len(grid)))
        fig_q.add_trace(go.Heatmap(z=grid.values, x=days, y=list(grid.index), zmin=1, zmax=7,
                                   colorscale="RdYlGn", colorbar={"title": "CES"}, customdata=counts.values,
                                   hovertemplate="%{y}<br>%{x}<br>CES %{z:.2f} (%{customdata} conversations)"
                                                 "<extra></extra>"))
        fig_m = figure("Mean CES per day by media type", yaxis={"title": "mean CES", "range": [1, 7.2]})
        for name, part in by_media.groupby("media_type", sort=True):
            fig_m.add_trace(go.Scatter(x=part["day"], y=part["ces_mean"], mode="lines", name=str(name),
                                       customdata=part["n"],
                                       hovertemplate="%{x}<br>CES %{y:.2f}<br>%{customdata} conversations"))
        blocks.append(Columns([Chart("ces_trend_queue", fig_q), Chart("ces_trend_media", fig_m)]))
    else:
        blocks += missing(wh, EFFORT_DAILY)

    dist = wh.df(f"""
        select ces_score, coalesce(media_type, '(unknown)') as media_type, count(*) as n
        from {FCT_EFFORT} where is_scored group by all order by ces_score
    """)
    fig_d = figure("CES distribution", barmode="stack", xaxis={"title": "CES", "dtick": 1},
                   yaxis={"title": "conversations"})
    for name, part in dist.groupby("media_type", sort=True):
        fig_d.add_trace(go.Bar(x=part["ces_score"], y=part["n"], name=str(name)))

    cols = wh.columns(FCT_EFFORT)
    queue_expr = "coalesce(first_queue_name, first_queue_id, '(no queue)')" if "first_queue_name" in cols else \
        "coalesce(first_queue_id, '(no queue)')"
    worst = wh.df(f"""
        select {queue_expr} as queue, count(*) as conversations, avg(ces_score) as ces_mean,
               avg(case when is_high_effort then 1.0 else 0.0 end) as high_effort_share,
               avg(ces_transfer_penalty) as transfer_penalty, avg(ces_wait_penalty) as wait_penalty,
               avg(queue_wait_seconds) as wait_seconds
        from {FCT_EFFORT} where is_scored group by all order by ces_mean asc, queue
    """)
    fig_w = figure("Queues by mean CES penalty (worst on top)", barmode="stack",
                   xaxis={"title": "mean CES points lost"}, height=max(300, 60 + 28 * len(worst)))
    ordered = worst.iloc[::-1]
    fig_w.add_trace(go.Bar(y=ordered["queue"], x=ordered["transfer_penalty"], orientation="h",
                           name="transfer penalty"))
    fig_w.add_trace(go.Bar(y=ordered["queue"], x=ordered["wait_penalty"], orientation="h", name="wait penalty"))
    blocks.append(Columns([Chart("ces_distribution", fig_d), Chart("worst_queues", fig_w)]))
    blocks.append(Table("worst_queues", "Worst queues", worst.head(15),
                        {"conversations": "int", "ces_mean": "score", "high_effort_share": "pct",
                         "transfer_penalty": "score", "wait_penalty": "score", "wait_seconds": "score"}))

    blocks.append(Heading("Conversations and their penalty breakdown"))
    queues = [str(q) for q in worst["queue"]]
    media = [str(x) for x in sorted(dist["media_type"].unique())]
    drill = effort_drill(wh, queue_expr, None, None)
    static = [Table("effort_drill", f"The {DRILL_LIMIT} highest-effort conversations", drill, DRILL_FORMATS)]
    if not drill.empty:
        static.append(Chart("penalty_waterfall", penalty_waterfall(drill.iloc[0])))
    blocks.append(Widget("effort_drill", static, {"queue_expr": queue_expr, "queues": queues, "media": media}))
    return blocks


DRILL_FORMATS = {"transfer_count": "int", "queue_wait_seconds": "score", "ces_base": "int",
                 "ces_transfer_penalty": "int", "ces_wait_penalty": "int", "ces_score": "int"}


def effort_drill(wh: Warehouse, queue_expr: str, queue: str | None, media_type: str | None):
    """The highest-effort conversations (lowest CES, then largest penalties), optionally of one queue / media."""
    where, params = ["is_scored"], []
    if queue:
        where.append(f"{queue_expr} = ?")
        params.append(queue)
    if media_type:
        where.append("coalesce(media_type, '(unknown)') = ?")
        params.append(media_type)
    return wh.df(f"""
        select conversation_id, conversation_started_at as started_at, {queue_expr} as queue, media_type,
               transfer_count, transfer_count_source, queue_wait_seconds, queue_wait_source,
               ces_base, ces_transfer_penalty, ces_wait_penalty, is_ces_floored, ces_score
        from {FCT_EFFORT}
        where {' and '.join(where)}
        order by ces_score asc, ces_transfer_penalty + ces_wait_penalty desc, conversation_started_at desc,
                 conversation_id
        limit {DRILL_LIMIT}
    """, params)


def penalty_waterfall(row: Any) -> go.Figure:
    """base → − transfer penalty → − wait penalty → CES for one conversation; penalties beyond the floor are
    named in the labels but only the points actually lost are drawn."""
    base, tp, wp = float(row["ces_base"]), float(row["ces_transfer_penalty"]), float(row["ces_wait_penalty"])
    score = float(row["ces_score"])
    lost = base - score
    tp_drawn = min(tp, lost)
    wp_drawn = lost - tp_drawn
    floored = tp + wp > lost
    def minus(points: float) -> str:
        return f"−{points:.0f}" if points else "0"

    x = [f"base {base:.0f}",
         f"transfers ({int(row['transfer_count'] or 0)}): {minus(tp)}",
         f"queue wait ({float(row['queue_wait_seconds'] or 0):.0f} s): {minus(wp)}",
         "CES" + (" (floored)" if floored else "")]
    fig = figure(f"Penalty breakdown of conversation {row['conversation_id']}", height=320,
                 yaxis={"title": "CES points", "range": [0, base + 0.8]})
    fig.add_trace(go.Waterfall(x=x, y=[base, -tp_drawn, -wp_drawn, score],
                               measure=["absolute", "relative", "relative", "total"],
                               text=[f"{base:.0f}", minus(tp_drawn), minus(wp_drawn), f"{score:.0f}"],
                               textposition="outside", showlegend=False,
                               decreasing={"marker": {"color": "#e76f51"}},
                               totals={"marker": {"color": "#264653"}},
                               increasing={"marker": {"color": "#2a9d8f"}}))
    return fig


# ---------------------------------------------------------------------------------------------------------
# Attribution (seeds 000, 001; issue 19)
# ---------------------------------------------------------------------------------------------------------
CREDIT = "marts.fct_attribution_credit"
PERFORMANCE = "marts.campaign_performance"
INTERACTIONS = "marts.fct_interaction_attribution"
PATHS = "marts.attribution_paths"


def credited_revenue_by_model(wh: Warehouse):
    """Per model: conversions and revenue credited to campaigns (counted conversions only), and the counted
    revenue no touch could be credited with."""
    return wh.df(f"""
        select attribution_model as model,
               sum(credit) filter (where is_attributed and is_counted) as conversions_credited,
               sum(credited_revenue) filter (where is_attributed and is_counted) as revenue_credited,
               coalesce(sum(credited_revenue) filter (where not is_attributed and is_counted), 0)
                   as revenue_not_attributed
        from {CREDIT} group by all order by model
    """)


def attribution_page(wh: Warehouse, options: Options) -> list[Any]:
    blocks: list[Any] = [Note("Which campaigns earned the conversions, by every attribution model side by side. "
                              "These models describe which touches appear on converting paths — not what a "
                              "campaign caused.")]
    notes = missing(wh, CREDIT)
    if notes:
        return blocks + notes
    by_model = credited_revenue_by_model(wh)
    totals = wh.df(f"""
        select count(distinct conversion_id) as conversions,
               count(distinct conversion_id) filter (where is_counted) as counted,
               count(distinct conversion_id) filter (where is_counted and is_attributed) as attributed
        from {CREDIT}
    """).iloc[0]
    spend = None
    if wh.has(PERFORMANCE):
        spend = wh.scalar(f"""
            select sum(spend) from {PERFORMANCE}
            where attribution_model = (select min(attribution_model) from {PERFORMANCE})
        """)
    inbound_share = None
    if wh.has(INTERACTIONS):
        inbound_share = wh.scalar(f"""
            select avg(case when is_attributed then 1.0 else 0.0 end) from {INTERACTIONS}
            where originating_direction = 'inbound'
        """)
    blocks.append(Metrics([
        Metric("conversions", _num(totals.conversions), "conversions"),
        Metric("counted (won)", _num(totals.counted), "counted"),
        Metric("counted and attributed", _num(totals.attributed), "attributed"),
        Metric("revenue credited", _num(by_model["revenue_credited"].max() if len(by_model) else None, "money"),
               "revenue_credited"),
        Metric("campaign spend", _num(spend, "money"), "spend"),
        Metric("inbound attributed", _num(inbound_share, "pct"), "inbound_attributed_share"),
    ]))
    blocks.append(Table("credited_revenue_by_model", "Credited revenue per model", by_model,
                        {"conversions_credited": "ratio", "revenue_credited": "money",
                         "revenue_not_attributed": "money"},
                        "Every model spreads the same revenue; they differ in which campaigns receive it."))

    if wh.has(PERFORMANCE) and wh.count(PERFORMANCE):
        blocks.append(Heading("Campaigns × models"))
        per_campaign = wh.df(f"""
            with c as (
                select attribution_model as model, coalesce(campaign_name, campaign_id) as campaign,
                       sum(revenue_credited) as revenue, sum(spend) as spend,
                       sum(conversions_credited) as conversions
                from {PERFORMANCE} where is_attributed group by all
            ), top as (
                select campaign from c group by campaign order by max(revenue) desc, campaign limit 12
            )
            select c.*, c.revenue / nullif(c.spend, 0) as roas, (c.revenue - c.spend) / nullif(c.spend, 0) as roi
            from c inner join top using (campaign) order by campaign, model
        """)
        revenue = per_campaign.pivot_table(index="campaign", columns="model", values="revenue", aggfunc="first")
        fig_r = figure("Revenue credited per campaign (top 12) and model", height=460)
        fig_r.add_trace(go.Heatmap(z=revenue.values, x=list(revenue.columns), y=list(revenue.index),
                                   colorscale="Blues", colorbar={"title": "revenue"}, texttemplate="%{z:,.0f}",
                                   hovertemplate="%{y}<br>%{x}: %{z:,.2f}<extra></extra>"))
        pivot = per_campaign.pivot_table(index="campaign", columns="model", values="roas", aggfunc="first")
        fig_h = figure("ROAS per campaign and model", height=460)
        fig_h.add_trace(go.Heatmap(z=pivot.values, x=list(pivot.columns), y=list(pivot.index),
                                   colorscale="Viridis", colorbar={"title": "ROAS"},
                                   hovertemplate="%{y}<br>%{x}: ROAS %{z:.3f}<extra></extra>"))
        blocks.append(Columns([Chart("revenue_campaign_model", fig_r), Chart("roas_heatmap", fig_h)]))

        by_seq = wh.df(f"""
            select attribution_model as model, touch_sequence, sum(revenue_credited) as revenue,
                   sum(spend) as spend, sum(revenue_credited) / nullif(sum(spend), 0) as roas
            from {PERFORMANCE} where is_attributed and touch_sequence is not null
            group by all order by model, touch_sequence
        """)
        fig_s = figure("ROAS by touch sequence and model", xaxis={"title": "touch sequence", "dtick": 1},
                       yaxis={"title": "ROAS"})
        for model, part in by_seq.groupby("model", sort=True):
            fig_s.add_trace(go.Scatter(x=part["touch_sequence"], y=part["roas"], mode="lines+markers",
                                       name=str(model)))
        # one point per campaign: its spend and the revenue the models credit it with (mean; the bar spans the
        # lowest to the highest model)
        spread = wh.df(f"""
            with per_model as (
                select attribution_model, coalesce(campaign_name, campaign_id) as campaign,
                       sum(spend) as spend, sum(revenue_credited) as revenue
                from {PERFORMANCE} where is_attributed group by all
            )
            select campaign, max(spend) as spend, avg(revenue) as revenue, min(revenue) as revenue_min,
                   max(revenue) as revenue_max, count(*) as models
            from per_model group by campaign order by campaign
        """)
        fig_sv = figure("Spend vs credited revenue per campaign",
                        xaxis={"title": "spend", "type": "log"}, yaxis={"title": "revenue credited", "type": "log"})
        fig_sv.add_trace(go.Scatter(
            x=spread["spend"], y=spread["revenue"], mode="markers", name="campaign", text=spread["campaign"],
            error_y={"type": "data", "symmetric": False, "array": spread["revenue_max"] - spread["revenue"],
                     "arrayminus": spread["revenue"] - spread["revenue_min"], "thickness": 1},
            hovertemplate="%{text}<br>spend %{x:,.0f}<br>revenue %{y:,.0f} (mean of models)<extra></extra>"))
        positive = spread[(spread["spend"] > 0) & (spread["revenue"] > 0)]
        low = float(min(positive["spend"].min(), positive["revenue"].min())) if len(positive) else 1.0
        top = float(max(positive["spend"].max(), positive["revenue_max"].max())) if len(positive) else 10.0
        fig_sv.add_trace(go.Scatter(x=[low, top], y=[low, top], mode="lines", name="break-even",
                                    line={"dash": "dot", "color": "grey"}))
        blocks.append(Columns([Chart("roas_touch_sequence", fig_s), Chart("spend_vs_revenue", fig_sv,
                                                                     "Log scales; a point is the mean over the "
                                                                     "models, its bar the lowest to the highest.")]))
        detail = wh.df(f"""
            select coalesce(campaign_name, campaign_id) as campaign, touch_sequence, attribution_model as model,
                   touches, conversions_credited, revenue_credited, spend, roi, roas
            from {PERFORMANCE} where is_attributed
            order by revenue_credited desc nulls last, campaign, touch_sequence, model
            limit 200
        """)
        blocks.append(Table("campaign_performance", "Campaign × touch sequence × model (top 200 by revenue)",
                            detail, {"touches": "int", "conversions_credited": "ratio",
                                     "revenue_credited": "money", "spend": "money", "roi": "ratio",
                                     "roas": "ratio"}))
    else:
        blocks += missing(wh, PERFORMANCE)

    blocks.append(Heading("Window attribution of inbound conversations"))
    if wh.has(INTERACTIONS) and wh.count(INTERACTIONS):
        weekly = wh.df(f"""
            select date_trunc('week', conversation_date) as week, coalesce(media_type, '(unknown)') as media_type,
                   avg(case when is_attributed then 1.0 else 0.0 end) as share, count(*) as n
            from {INTERACTIONS} where originating_direction = 'inbound' group by all order by media_type, week
        """)
        fig_wk = figure("Share of inbound conversations attributed to a campaign, per week",
                        yaxis={"title": "share", "tickformat": ".0%"})
        for name, part in weekly.groupby("media_type", sort=True):
            fig_wk.add_trace(go.Scatter(x=part["week"], y=part["share"], mode="lines+markers", name=str(name),
                                        customdata=part["n"],
                                        hovertemplate="%{x}<br>%{y:.1%} of %{customdata}"))
        channels = wh.df(f"""
            select coalesce(owning_channel, 'not attributed') as channel, count(*) as n
            from {INTERACTIONS} where originating_direction = 'inbound' group by all order by n desc
        """)
        fig_c = figure("Inbound conversations by owning channel")
        fig_c.add_trace(go.Pie(labels=channels["channel"], values=channels["n"], hole=0.45, sort=False))
        blocks.append(Columns([Chart("inbound_share_weekly", fig_wk), Chart("inbound_by_channel", fig_c)]))
    else:
        blocks += missing(wh, INTERACTIONS)

    if wh.has(PATHS) and wh.count(PATHS):
        paths = wh.df(f"""
            select path, conversions, non_conversions, conversion_value,
                   conversions / nullif(conversions + non_conversions, 0) as conversion_rate
            from {PATHS} order by conversions desc, path limit 12
        """)
        fig_p = figure("Top journeys (channel paths) by conversions", height=420,
                       xaxis={"title": "conversions"})
        ordered = paths.iloc[::-1]
        fig_p.add_trace(go.Bar(y=ordered["path"], x=ordered["conversions"], orientation="h", showlegend=False,
                               customdata=ordered["conversion_rate"],
                               hovertemplate="%{y}<br>%{x} conversions, rate %{customdata:.1%}<extra></extra>"))
        blocks.append(Chart("top_paths", fig_p))
    return blocks


# ---------------------------------------------------------------------------------------------------------
# Customers (seed 002)
# ---------------------------------------------------------------------------------------------------------
IDENTITY_MAP = "marts.customer_identity_map"
CUSTOMERS = "marts.dim_customers_masked"
AUDIT = "marts.customer_merge_audit"
PAIR_SCORES = "intermediate.int_identity__pair_scores"  # every candidate pair and its decision


def customers_page(wh: Warehouse, options: Options) -> list[Any]:
    blocks: list[Any] = [Note("Golden records from every source system: how records were matched, and the pairs "
                              "the model was unsure about (match probability 0.80–0.95), for a person to decide. "
                              + ("PII is shown (--show-pii)." if options.show_pii else
                                 "PII is masked; run `cx ui --show-pii` to see it."))]
    notes = missing(wh, IDENTITY_MAP)
    if notes:
        return blocks + notes
    m = wh.df(f"""
        select count(distinct customer_key) as customers, count(*) as records,
               count(*) filter (where cluster_size > 1) as merged_records,
               count(*) filter (where match_method = 'review_decision') as reviewed_records,
               count(distinct customer_key) filter (where has_dob_conflict) as dob_conflicts
        from {IDENTITY_MAP}
    """).iloc[0]
    decisions = review.read_decisions(options.decisions_path) if options.decisions_path else []
    queue = (review.pending_pairs(wh, options.decisions_path) if wh.has(review.QUEUE) else None)
    blocks.append(Metrics([
        Metric("golden records", _num(m.customers), "customers"),
        Metric("source records", _num(m.records), "records"),
        Metric("in merged customers", _num(m.merged_records), "merged_records"),
        Metric("merged by review", _num(m.reviewed_records), "reviewed_records"),
        Metric("review backlog", _num(len(queue)) if queue is not None else "–", "review_backlog"),
        Metric("decisions recorded", _num(len(decisions)), "decisions"),
    ]))
    sizes = wh.df(f"""
        select cluster_size, count(distinct customer_key) as customers from {IDENTITY_MAP}
        group by all order by cluster_size
    """)
    fig_sz = figure("Golden records by number of source records", xaxis={"title": "source records", "dtick": 1},
                    yaxis={"title": "golden records"})
    fig_sz.add_trace(go.Bar(x=sizes["cluster_size"], y=sizes["customers"], showlegend=False))
    methods = wh.df(f"""
        select source_system, match_method, count(*) as n from {IDENTITY_MAP} group by all
        order by source_system, match_method
    """)
    fig_mm = figure("Source records by system and how they were matched", barmode="stack",
                    yaxis={"title": "records"})
    for name, part in methods.groupby("match_method", sort=True):
        fig_mm.add_trace(go.Bar(x=part["source_system"], y=part["n"], name=str(name)))
    blocks.append(Columns([Chart("cluster_sizes", fig_sz), Chart("match_methods", fig_mm)]))

    charts = []
    if wh.has(PAIR_SCORES) and wh.count(PAIR_SCORES):
        decided = wh.df(f"""
            select decision_reason, score_decision, count(*) as pairs from {PAIR_SCORES}
            group by all order by pairs desc
        """)
        labels = {"above_auto_merge_threshold": "auto-merge (≥ 0.95)",
                  "between_review_and_auto_merge": "review (0.80–0.95)",
                  "household_guard": "kept apart: household guard",
                  "below_review_threshold": "no match (< 0.80)"}
        fig_p = figure("Candidate pairs by decision (log scale)", height=300, xaxis={"title": "pairs", "type": "log"})
        ordered = decided.iloc[::-1]
        fig_p.add_trace(go.Bar(y=[labels.get(r, r) for r in ordered["decision_reason"]], x=ordered["pairs"],
                               orientation="h", showlegend=False, text=ordered["pairs"], textposition="auto",
                               hovertemplate="%{y}: %{x:,} pairs<extra></extra>"))
        charts.append(Chart("pair_decisions", fig_p))
    if wh.has(AUDIT) and wh.count(AUDIT):
        audit = wh.df(f"""
            select field, case when outcome = 'beaten' then 'beaten: ' || coalesce(decided_by, '?')
                               else outcome end as outcome, count(*) as n
            from {AUDIT} group by all order by field, outcome
        """)
        fig_a = figure("Survivorship: field values that won or lost (merge audit)", barmode="stack",
                       yaxis={"title": "values"})
        for name, part in audit.groupby("outcome", sort=True):
            fig_a.add_trace(go.Bar(x=part["field"], y=part["n"], name=str(name)))
        charts.append(Chart("merge_audit", fig_a))
    if queue is not None and len(queue):
        fig_q = figure("Review queue: match probability of pending pairs", xaxis={"title": "match probability"},
                       yaxis={"title": "pairs"})
        buckets = (queue["match_probability"].astype(float) * 100).floordiv(1).div(100).value_counts().sort_index()
        fig_q.add_trace(go.Bar(x=[b + 0.005 for b in buckets.index], y=list(buckets.values), width=0.009,
                               showlegend=False, hovertemplate="%{x:.3f}: %{y} pairs<extra></extra>"))
        charts.append(Chart("review_probabilities", fig_q))
    for start in range(0, len(charts), 2):
        blocks.append(Columns(charts[start:start + 2]))

    blocks.append(Heading("Review queue"))
    if queue is None:
        blocks += missing(wh, review.QUEUE)
        return blocks
    if queue.empty:  # the app's widget still shows the decision just recorded
        blocks.append(Widget("review_queue", [
            Note("No pair waits for review" + (" (decisions recorded since the last build are applied by the next "
                                               "`make build`)." if decisions else "."))]))
        return blocks
    static = Table("review_queue", f"{len(queue)} pairs waiting for review", review_summary(queue, options),
                   {"match_probability": "ratio"},
                   "Decide them in the app (`cx ui`): both records side by side with each comparison's level and "
                   "weight.")
    blocks.append(Widget("review_queue", [static]))
    return blocks


def review_summary(queue, options: Options):
    from loaders.ui.masking import blank, show

    rows = []
    for r in queue.to_dict("records"):
        rows.append({
            "match_probability": r["match_probability"],
            "left": f"{r['left_source_system']}: {show('first_name', r['left_first_name'], options.show_pii)} "
                    f"{show('last_name', r['left_last_name'], options.show_pii)}",
            "right": f"{r['right_source_system']}: {show('first_name', r['right_first_name'], options.show_pii)} "
                     f"{show('last_name', r['right_last_name'], options.show_pii)}",
            "agreeing": "" if blank(r["agreeing_comparisons"]) else r["agreeing_comparisons"],
            "disagreeing": "" if blank(r["disagreeing_comparisons"]) else r["disagreeing_comparisons"],
        })
    import pandas as pd

    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------------
# Engagement and export (seed 003; exporter)
# ---------------------------------------------------------------------------------------------------------
PROFILE = "marts.contact_engagement_profile"
HISTORY = "marts.contact_engagement_score_history"
ELIGIBILITY = "marts.outbound_eligibility"
TIER_ORDER = ("high", "moderate", "low")
TIER_COLORS = {"high": "#2a9d8f", "moderate": "#e9c46a", "low": "#8d99ae", "(none)": "#cccccc"}


def engagement_page(wh: Warehouse, options: Options) -> list[Any]:
    blocks: list[Any] = [Note("Propensity tiers (0.75 / 0.40), who may be called now, and what the exporter has "
                              "delivered to Genesys Cloud per target.")]
    notes = missing(wh, PROFILE)
    if notes:
        blocks += notes
    else:
        m = wh.df(f"""
            select count(*) as contacts,
                   count(*) filter (where propensity_tier = 'high') as high,
                   count(*) filter (where propensity_tier = 'moderate') as moderate,
                   count(*) filter (where propensity_tier = 'low') as low
            from {PROFILE}
        """).iloc[0]
        eligible = wh.count(ELIGIBILITY)
        backfill = wh.count("marts.engagement_backfill_queue")
        rejects = wh.count("marts.engagement_event_rejects")
        blocks.append(Metrics([
            Metric("contacts profiled", _num(m.contacts), "contacts"),
            Metric("high tier", _num(m.high), "high"),
            Metric("moderate tier", _num(m.moderate), "moderate"),
            Metric("eligible for outreach now", _num(eligible), "eligible"),
            Metric("events waiting for backfill", _num(backfill), "backfill"),
            Metric("rejected events", _num(rejects), "rejects"),
        ]))
        scores = wh.df(f"""
            select floor(propensity_score * 20) / 20 as bucket, coalesce(propensity_tier, '(none)') as tier,
                   count(*) as n
            from {PROFILE} where propensity_score is not null group by all order by bucket
        """)
        fig_s = figure("Propensity score distribution by tier", barmode="stack",
                       xaxis={"title": "propensity score", "range": [0, 1]}, yaxis={"title": "contacts"})
        for tier in [t for t in TIER_ORDER if t in set(scores["tier"])] + \
                sorted(set(scores["tier"]) - set(TIER_ORDER)):
            part = scores[scores["tier"] == tier]
            fig_s.add_trace(go.Bar(x=part["bucket"] + 0.025, y=part["n"], name=tier, width=0.05,
                                   marker={"color": TIER_COLORS.get(tier)}))
        channels = wh.df(f"""
            select coalesce(preferred_channel, '(none)') as channel, coalesce(propensity_tier, '(none)') as tier,
                   count(*) as n
            from {PROFILE} group by all order by channel
        """)
        fig_c = figure("Preferred channel by tier", barmode="stack", yaxis={"title": "contacts"})
        for tier in [t for t in TIER_ORDER if t in set(channels["tier"])] + \
                sorted(set(channels["tier"]) - set(TIER_ORDER)):
            part = channels[channels["tier"] == tier]
            fig_c.add_trace(go.Bar(x=part["channel"], y=part["n"], name=tier, marker={"color": TIER_COLORS.get(tier)}))
        blocks.append(Columns([Chart("propensity_distribution", fig_s), Chart("channel_by_tier", fig_c)]))
        row = []
        if wh.has(HISTORY) and wh.count(HISTORY):
            hist = wh.df(f"""
                select snapshot_date, coalesce(propensity_tier, '(none)') as tier, count(*) as n
                from {HISTORY} group by all order by snapshot_date
            """)
            fig_h = figure("Contacts per tier over time", yaxis={"title": "contacts"})
            for tier in [t for t in TIER_ORDER if t in set(hist["tier"])] + \
                    sorted(set(hist["tier"]) - set(TIER_ORDER)):
                part = hist[hist["tier"] == tier]
                fig_h.add_trace(go.Scatter(x=part["snapshot_date"], y=part["n"], name=tier, stackgroup="tiers",
                                           mode="lines", line={"color": TIER_COLORS.get(tier)}))
            row.append(Chart("tier_history", fig_h))
        if eligible:
            elig = wh.df(f"""
                select coalesce(preferred_channel, '(none)') as channel, coalesce(propensity_tier, '(none)') as tier,
                       count(*) as n
                from {ELIGIBILITY} group by all order by channel
            """)
            fig_e = figure("Eligible for outreach now, by preferred channel", barmode="stack",
                           yaxis={"title": "contacts"})
            for tier, part in elig.groupby("tier", sort=True):
                fig_e.add_trace(go.Bar(x=part["channel"], y=part["n"], name=str(tier),
                                       marker={"color": TIER_COLORS.get(str(tier))}))
            row.append(Chart("eligibility", fig_e))
        else:
            blocks.append(Note("No contact is eligible for outreach right now (`marts.outbound_eligibility` is "
                               "empty or not built)."))
        if row:
            blocks.append(Columns(row))

    blocks.append(Heading("Export to Genesys Cloud"))
    blocks += export_blocks(wh)
    return blocks


def export_state(wh: Warehouse):
    """Per target: rows in its mart, rows whose payload Genesys acknowledged (unchanged since), pending (new or
    changed), open dead letters and expired ones. Without ``ops.*`` (nothing exported yet) all are pending."""
    import pandas as pd

    from exporter.targets import TARGETS

    has_state = wh.has("ops.export_state")
    has_dead = wh.has("ops.export_dead_letters")
    rows = []
    for target in TARGETS.values():
        relation = f"marts.{target.mart}"
        if not wh.has(relation):
            rows.append({"target": target.name, "mart_rows": None, "in_sync": 0, "pending": 0, "dead_letters": 0,
                         "expired": 0, "note": "mart not built"})
            continue
        state_join = ("left join ops.export_state as s on s.target = ? and s.export_key = m.export_key"
                      if has_state else "left join (select null as payload_hash) as s on false")
        dead_join = ("""left join ops.export_dead_letters as d on d.target = ? and d.export_key = m.export_key
                        and d.resolved_at is null and d.payload_hash = m.payload_hash""" if has_dead else
                     "left join (select null as export_key, null as expired_at) as d on false")
        params = ([target.name] if has_state else []) + ([target.name] if has_dead else [])
        counts = wh.rows(f"""
            select count(*),
                   count(*) filter (where s.payload_hash = m.payload_hash),
                   count(*) filter (where s.payload_hash is distinct from m.payload_hash and d.export_key is null),
                   count(*) filter (where s.payload_hash is distinct from m.payload_hash and d.export_key is not null
                                    and d.expired_at is null),
                   count(*) filter (where s.payload_hash is distinct from m.payload_hash
                                    and d.expired_at is not null)
            from marts.{target.mart} as m {state_join} {dead_join}
        """, params)[0]
        rows.append({"target": target.name, "mart_rows": counts[0], "in_sync": counts[1], "pending": counts[2],
                     "dead_letters": counts[3], "expired": counts[4], "note": ""})
    return pd.DataFrame(rows)


def export_blocks(wh: Warehouse) -> list[Any]:
    blocks: list[Any] = []
    try:
        state = export_state(wh)
    except ImportError:  # pragma: no cover - the exporter ships with the package
        return [Note("The exporter package is not installed.", "warning")]
    if not wh.has("ops.export_state"):
        blocks.append(Note("Nothing exported yet (no `ops` schema): every row is pending. Run `cx export` to "
                           "deliver the marts."))
    fig = figure("Export state per target", barmode="stack", xaxis={"title": "units (mart rows)"},
                 height=300)
    for column, label, color in (("in_sync", "sent, unchanged since", "#2a9d8f"),
                                 ("pending", "new or changed (pending)", "#8d99ae"),
                                 ("dead_letters", "dead letters", "#e76f51"),
                                 ("expired", "dead letters expired", "#6d2e46")):
        fig.add_trace(go.Bar(y=state["target"], x=state[column], orientation="h", name=label,
                             marker={"color": color}))
    blocks.append(Chart("export_state", fig))
    blocks.append(Table("export_state", "Export state per target", state,
                        {"mart_rows": "int", "in_sync": "int", "pending": "int", "dead_letters": "int",
                         "expired": "int"}))
    if wh.has("ops.export_runs"):
        runs = wh.df("""
            select target, run_id, started_at, finished_at, dry_run, outcome, sent, unchanged, retried,
                   dead_lettered, expired, unsent, requests
            from ops.export_runs order by started_at desc limit 20
        """)
        blocks.append(Table("export_runs", "Latest export runs", runs))
    if wh.has("ops.export_dead_letters"):
        dead = wh.df("""
            select target, reason, coalesce(cast(http_status as varchar), '') as http_status,
                   count(*) filter (where resolved_at is null and expired_at is null) as open,
                   count(*) filter (where expired_at is not null and resolved_at is null) as expired,
                   count(*) filter (where resolved_at is not null) as resolved
            from ops.export_dead_letters group by all order by open desc, target
        """)
        if not dead.empty:
            blocks.append(Table("dead_letters", "Dead letters by reason", dead))
    return blocks


PAGES: tuple[Page, ...] = (
    Page("effort", "Effort", "", effort_page,
         "CES trend, distribution, worst queues, conversations with their penalties"),
    Page("attribution", "Attribution", "", attribution_page,
         "revenue, ROI and ROAS per campaign × touch sequence × model; window attribution"),
    Page("customers", "Customers", "", customers_page,
         "golden records, match quality, the identity review queue"),
    Page("engagement", "Engagement and export", "", engagement_page,
         "propensity tiers, outreach eligibility, export state per target"),
)
