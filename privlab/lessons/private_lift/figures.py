"""Charts for lesson 04, Private Lift: what each party received, the report card, the
differencing attack. Each is ``x_figure(...)`` (skeleton, then one update),
``update_x(fig, ...)`` (data and text only) and ``x_caption(...)`` (in words).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from privlab.dp.mechanisms import discrete_laplace_noise
from privlab.errors import InvalidParameterError
from privlab.lessons.kit.style import PALETTE, TWO_PANELS, base_layout
from privlab.lift.metrics import lift_estimate, per_user_lift
from privlab.lift.report import DPLiftReport, Gate, lift_sensitivities
from privlab.lift.secure import LiftResult
from privlab.lift.study import LiftStudy

PARTIES = ("publisher", "advertiser", "dealer")
HEADER = {"fill_color": PALETTE["blue"], "font": {"color": "white"}, "align": "left"}
LEAK_FILL = "#fbe3cf"  # a light orange: rows the party should not have seen
PLAIN_FILL = "white"


def _euros(cents: float) -> str:
    """Cents as euros, the minus sign in front: −€1,234.50."""
    return f"{'−' if cents < 0 else ''}€{abs(cents) / 100:,.2f}"


def _size(nbytes: int) -> str:
    """Bytes in readable units: 1.2 MB."""
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{nbytes} B"


# --------------------------------------------------------------------------
# 1. What each party received
# --------------------------------------------------------------------------

PRIVATE_COLUMNS = ("stage, from", "what", "messages", "numbers", "bytes", "first number")
NAIVE_COLUMNS = {
    "publisher": ("id", "purchase time (UTC)", "value", "on my list?"),
    "advertiser": ("id", "group", "ad opportunity (UTC)", "ads seen", "my customer?"),
}
NAIVE_SAMPLE = 14
_OWN_PEOPLE = {"publisher": "users", "advertiser": "customers"}  # what a party's own people are


def _kind(label: str) -> str:
    """One row per kind of message: the 63 bit positions of a comparison become one."""
    return re.sub(r" at bit \d+", " at each bit", label)


def _first_number(payload: np.ndarray) -> str:
    """The first value of a payload, as a reader would see it on the wire."""
    if payload.size == 0:
        return ""
    if payload.dtype == np.uint8 and payload.ndim == 2:  # curve points, 32 bytes each
        return payload[0].tobytes().hex()[:16] + "…"
    return str(int(payload.flat[0]))  # no thousands commas: the 20 digits fit their column


def party_rows(result: LiftResult, party: str) -> list[dict[str, Any]]:
    """What ``party`` received in a secure_lift run, one row per kind (a curve point counts once).

    >>> from privlab.lift import lift_study, secure_lift
    >>> study = lift_study(population=100, rng=1)
    >>> result = secure_lift(study.publisher, study.advertiser, rng=1)
    >>> [row["what"] for row in party_rows(result, "publisher")][:2]
    ['my ids, blinded by me', 'your ids, blinded by both of us']
    >>> party_rows(result, "dealer")
    []
    """
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for stage, network in (("matching", result.psi.network), ("computation", result.network)):
        for message in network.view(party):
            key = (stage, message.sender, _kind(message.label))
            payload = message.payload
            count = payload.shape[0] if payload.dtype == np.uint8 else payload.size
            if key not in rows:
                rows[key] = {
                    "stage": stage,
                    "from": message.sender,
                    "what": key[2],
                    "messages": 0,
                    "numbers": 0,
                    "bytes": 0,
                    "first number": _first_number(payload),
                }
            row = rows[key]
            row["messages"] += 1
            row["numbers"] += count
            row["bytes"] += message.nbytes
    return list(rows.values())


def naive_view(study: LiftStudy, party: str) -> dict[str, Any]:
    """The counts of the other party's table a naive join would hand ``party``, and sample rows.

    >>> from privlab.lift import lift_study
    >>> view = naive_view(lift_study(population=100, rng=1), "advertiser")
    >>> view["rows"], view["people"], view["strangers"]
    (100, 100, 43)
    """
    publisher, advertiser = study.publisher, study.advertiser
    if party == "dealer":
        return {"rows": 0, "people": 0, "strangers": 0, "stranger_rows": 0, "sample": []}
    if party == "publisher":
        table, mine = advertiser, set(publisher["id"].tolist())
    else:
        table, mine = publisher, set(advertiser["id"].tolist())
    known = np.array([identifier in mine for identifier in table["id"].tolist()], dtype=bool)
    people = np.unique(table["id"])
    strangers = np.unique(table["id"][~known])
    sample = []
    for row in range(min(NAIVE_SAMPLE, table["id"].size)):
        when = np.datetime64(int(table.get("event_ts", table.get("opportunity_ts"))[row]), "s")
        if party == "publisher":
            cells = [str(table["id"][row]), str(when), _euros(int(table["value"][row]))]
        else:
            group = "test" if table["test_flag"][row] else "control"
            cells = [str(table["id"][row]), group, str(when), str(table["num_impressions"][row])]
        sample.append({"cells": [*cells, "yes" if known[row] else "no"], "leak": not known[row]})
    return {
        "rows": int(table["id"].size),
        "people": int(people.size),
        "strangers": int(strangers.size),
        "stranger_rows": int(np.sum(~known)),
        "sample": sample,
    }


def party_view_figure(
    party: str, protocol: str, rows: list[dict[str, Any]], naive: dict[str, Any]
) -> go.Figure:
    """A table of what one party received, under Private Lift or the naive join."""
    fig = go.Figure()
    # 12 px cells: a first number of 20 digits fits its column in a 700 px chart.
    fig.add_table(header=HEADER, cells={"align": "left", "height": 24, "font": {"size": 12}})
    fig.update_layout(base_layout(height=470, margin={"l": 10, "r": 10, "t": 60, "b": 10}))
    fig.update_xaxes(visible=False)  # a table has no axes
    fig.update_yaxes(visible=False)
    update_party_view(fig, party, protocol, rows, naive)
    return fig


def update_party_view(
    fig: go.Figure,
    party: str,
    protocol: str,
    rows: list[dict[str, Any]],
    naive: dict[str, Any],
) -> None:
    """Redraw :func:`party_view_figure` for another party or protocol."""
    if protocol == "naive join" and party != "dealer":
        columns = NAIVE_COLUMNS[party]
        sample = naive["sample"]
        values = [[row["cells"][c] for row in sample] for c in range(len(columns))]
        fill = [LEAK_FILL if row["leak"] else PLAIN_FILL for row in sample]
        title = (
            f"Naive join: the {party} receives {naive['rows']:,} rows<br><sup>the first "
            f"{len(sample)} shown; orange: people who are not its own {_OWN_PEOPLE[party]}</sup>"
        )
        widths = [1.0] * len(columns)
    else:
        columns = PRIVATE_COLUMNS
        # Two lines to every row, stage over sender, so no row outgrows the others; the
        # "from" line already says which values came from the dealer.
        values = [
            [f"{row['stage']}<br>{row['from']}" for row in rows],
            [row["what"].removesuffix(" (dealer)") for row in rows],
            *([f"{row[c]:,}" for row in rows] for c in ("messages", "numbers", "bytes")),
            [row["first number"] for row in rows],
        ]
        if not rows:
            values = [["nothing"] if c == "what" else [""] for c in columns]
        fill = [PLAIN_FILL] * max(len(rows), 1)
        total = sum(row["bytes"] for row in rows)
        title = (
            f"Private Lift: what the {party} received: "
            f"{sum(row['messages'] for row in rows):,} messages, {_size(total)}"
        )
        if protocol == "naive join":  # the dealer takes no part in a naive join
            title = "Naive join: the dealer takes no part and receives nothing"
        widths = [1.3, 2.8, 1.25, 1.1, 1.0, 2.55]
    fig.data[0].update(
        header={"values": [f"<b>{c}</b>" for c in columns]},
        cells={"values": values, "fill_color": [fill] * len(columns)},
        columnwidth=widths,
    )
    fig.layout.title.text = title


def party_view_caption(
    result: LiftResult, study: LiftStudy, party: str, protocol: str, naive: dict[str, Any]
) -> str:
    """What the party learned, in words, under the protocol shown."""
    publisher_size = study.publisher["id"].size
    customers = int(np.unique(study.advertiser["id"]).size)
    shared = result.psi.size
    if party == "dealer":
        return (
            "The dealer receives nothing in either protocol: it only <b>sends</b> Beaver triples "
            "and comparison masks, random numbers made before any data is seen. It is a trust "
            "assumption all the same: a dealer that told one party the masks would let that "
            "party unmask every masked value it receives, and so the other party's inputs."
        )
    other = "advertiser" if party == "publisher" else "publisher"
    if protocol == "naive join":
        what = (
            "purchases, with times and amounts, of"
            if party == "publisher"
            else "group and ad times of"
        )
        return (
            f"In a naive join the {party} would receive the {other}'s whole table: "
            f"{naive['rows']:,} rows on {naive['people']:,} people. It would learn the {what} "
            f"every shared person, and {naive['strangers']:,} people it has no business knowing "
            f"about ({naive['stranger_rows']:,} rows, orange): the {other}'s "
            + (
                "customers the campaign never reached."
                if party == "publisher"
                else "users who never bought from it."
            )
        )
    own = publisher_size if party == "publisher" else customers
    theirs = customers if party == "publisher" else publisher_size
    return (
        f"With Private Lift the {party} received only random-looking numbers: curve points "
        f"in the matching, then shares and masked values (the first number of each kind is "
        f"shown; they are uniform on 0 to 2<sup>64</sup> − 1, whatever the data). It learned "
        f"<b>which {shared:,} of its own {own:,} ids are shared</b> (PSI reveals that "
        f"membership), the length of the {other}'s list ({theirs:,}), and the 12 opened "
        "totals. Nothing about the other side's rows."
    )


# --------------------------------------------------------------------------
# 2. The report card
# --------------------------------------------------------------------------

CARD_ROWS = ("truth", "oracle", "mpc", "dp")
CARD_LABELS = {
    "truth": "true lift<br>(generator)",
    "oracle": "trusted join<br>(never released)",
    "mpc": "secure computation<br>(exact totals)",
    "dp": "DP release",
}
CARD_STYLE = {
    "truth": (PALETTE["black"], "diamond"),
    "oracle": (PALETTE["grey"], "circle-open"),
    "mpc": (PALETTE["blue"], "circle"),
    "dp": (PALETTE["orange"], "square"),
}
TABLE_METRICS = ("converters", "conversions", "value")
CARD_HEIGHT = 480  # px, the whole card: the lift chart and the table of totals


def card_row(
    estimate: Mapping[str, Any] | None, *, shown: bool, reason: str = ""
) -> dict[str, Any]:
    """One row of the report card: the lift and interval in %, or why there is none."""
    if not shown or estimate is None or estimate.get("lift") is None:
        return {"lift": None, "interval": None, "note": reason or "no estimate"}
    low, high = estimate["interval"] if estimate.get("interval") else (None, None)
    return {
        "lift": 100 * estimate["lift"],
        "interval": None if low is None else (100 * low, 100 * high),
        "note": "",
    }


def report_card(
    *,
    true_lift: float,
    oracle: Mapping[str, Any],
    secure: Mapping[str, Any],
    report: DPLiftReport,
    gate: Gate,
) -> dict[str, Any]:
    """The numbers of the report card; a closed gate withholds the secure and DP rows."""
    withheld = f"withheld: {gate.converters:,} converters, fewer than {gate.needed:,}"
    rows = {
        "truth": {"lift": 100 * true_lift, "interval": None, "note": ""},
        "oracle": card_row(_safe_estimate(oracle), shown=True),
        "mpc": card_row(_safe_estimate(secure), shown=gate.passed, reason=withheld),
        "dp": card_row(
            {"lift": report.lift, "interval": report.interval},
            shown=gate.passed,
            reason=withheld
            if not gate.passed
            else "no estimate: a noisy converter count is below 1",
        ),
    }
    return {
        "rows": rows,
        "sales": {"oracle": _sales_lift(oracle), "mpc": _sales_lift(secure)},
        "gate": gate,
        "epsilon": report.epsilon,
        "metrics": {"oracle": oracle, "mpc": secure, "dp": report.metrics},
    }


def _sales_lift(metrics: Mapping[str, Any]) -> str:
    """The lift in sales per user with its interval from the squared sums, as text."""
    try:
        estimate = per_user_lift(metrics, "value")
    except InvalidParameterError:  # a group without sales
        return "no estimate"
    low, high = estimate["interval"]
    return f"{estimate['lift']:.0%} ({low:.0%} to {high:.0%})"


def _safe_estimate(metrics: Mapping[str, Any]) -> dict[str, Any] | None:
    """:func:`lift_estimate`, or None when a group has no converters."""
    if any(metrics[group]["converters"] < 1 for group in ("test", "control")):
        return None
    return lift_estimate(metrics)


def _lift_text(row: dict[str, Any]) -> str:
    """A row's lift with its interval, "12% (3% to 21%)", or why there is none."""
    if row["lift"] is None:
        return row["note"]
    if row["interval"] is None:
        return f"{row['lift']:.0f}%"
    low, high = row["interval"]
    return f"{row['lift']:.0f}% ({low:.0f}% to {high:.0f}%)"


def _cell(metrics: Mapping[str, Any], group: str, metric: str, shown: bool) -> str:
    if not shown:
        return "withheld"
    number = metrics[group][metric]
    return _euros(number) if metric == "value" else f"{number:,}"


def report_card_figure(card: dict[str, Any]) -> go.Figure:
    """The lift at each stage with its interval (top) and the totals behind it (below)."""
    # Compact, so that the controls, the card and its caption fit on a laptop screen.
    fig = make_subplots(
        rows=2,
        cols=1,
        row_heights=[0.4, 0.6],
        vertical_spacing=0.14,
        specs=[[{"type": "xy"}], [{"type": "table"}]],
    )
    for name in CARD_ROWS:
        colour, symbol = CARD_STYLE[name]
        fig.add_scatter(
            name=CARD_LABELS[name].replace("<br>", " "),
            mode="markers+text",
            marker={"color": colour, "symbol": symbol, "size": 12, "line": {"width": 2}},
            error_x={"type": "data", "symmetric": False, "color": colour, "thickness": 2},
            textposition="top center",
            cliponaxis=False,
            textfont={"color": PALETTE["black"]},
            showlegend=False,
            hovertemplate="%{text}<extra></extra>",
            row=1,
            col=1,
        )
    fig.add_table(
        header=HEADER,
        cells={"align": "left", "height": 22},
        columnwidth=[1.45, 1, 1, 1],
        row=2,
        col=1,
    )
    fig.update_layout(base_layout(height=CARD_HEIGHT, margin={"l": 140, "r": 20, "t": 50, "b": 5}))
    fig.update_yaxes(
        title_text="stage",
        categoryorder="array",
        categoryarray=[CARD_LABELS[name] for name in reversed(CARD_ROWS)],
        row=1,
        col=1,
    )
    fig.update_xaxes(
        title_text="lift in buyers (%), with 95% interval",
        zeroline=True,
        zerolinecolor=PALETTE["grey"],
        row=1,
        col=1,
    )
    update_report_card(fig, card)
    return fig


def update_report_card(fig: go.Figure, card: dict[str, Any]) -> None:
    """Redraw :func:`report_card_figure` with new numbers."""
    for trace, name in zip(fig.data[: len(CARD_ROWS)], CARD_ROWS, strict=True):
        row = card["rows"][name]
        if row["lift"] is None:
            trace.update(
                x=[0],
                y=[CARD_LABELS[name]],
                text=[row["note"]],
                marker={"opacity": 0},
                error_x={"array": [0], "arrayminus": [0]},
            )
            continue
        low, high = row["interval"] if row["interval"] else (row["lift"], row["lift"])
        text = _lift_text(row)
        trace.update(
            x=[row["lift"]],
            y=[CARD_LABELS[name]],
            text=[text],
            marker={"opacity": 1},
            error_x={"array": [high - row["lift"]], "arrayminus": [row["lift"] - low]},
        )
    shown = card["gate"].passed
    labels, oracle, secure, noisy = [], [], [], []
    for metric in TABLE_METRICS:
        for group in ("test", "control"):
            labels.append(f"{group} {metric}")
            oracle.append(_cell(card["metrics"]["oracle"], group, metric, True))
            secure.append(_cell(card["metrics"]["mpc"], group, metric, shown))
            noisy.append(_cell(card["metrics"]["dp"], group, metric, shown))
    labels.append("<b>lift in sales per user</b>")
    oracle.append(card["sales"]["oracle"])
    secure.append(card["sales"]["mpc"] if shown else "withheld")
    noisy.append("not released" if shown else "withheld")
    fig.data[-1].update(
        header={
            "values": [
                "<b>total</b>",
                "<b>trusted join</b>",
                "<b>secure (exact)</b>",
                f"<b>DP, ε = {card['epsilon']:g}</b>",
            ]
        },
        cells={"values": [labels, oracle, secure, noisy]},
    )
    gate = card["gate"]
    verdict = "report shown" if gate.passed else "report withheld"
    fig.layout.title.text = (
        f"Lift report card: {verdict} ({gate.converters:,} converters, {gate.needed:,} needed)"
    )


def report_card_caption(
    card: dict[str, Any],
    *,
    population: int,
    window_days: int,
    gate_on: str,
    dropped: int,
    max_purchases: int,
) -> str:
    """The report card in words."""
    rows, gate = card["rows"], card["gate"]

    def said(name: str) -> str:
        return _lift_text(rows[name])

    if gate.passed and rows["dp"]["lift"] is None:
        released = (
            f"secure computation {said('mpc')}; the DP release gives no estimate, since a "
            "noisy converter count fell below 1."
        )
    elif gate.passed:
        released = f"secure computation {said('mpc')}; DP release {said('dp')}."
    else:
        released = "the secure computation's totals, and so the DP release, are withheld."
    rule = (
        f"The minimum-audience rule, on the {gate_on}, {'shows' if gate.passed else 'withholds'} "
        f"the report: {gate.converters:,} converters, {gate.needed:,} needed."
    )
    noise = (
        f"The DP release spends ε = {card['epsilon']:g}, a third per metric: with both "
        "parties' noise, a noisy converter count is off by about "
        f"{2 * 3 / card['epsilon']:.1f} (one standard deviation)."
    )
    kept = (
        f" {dropped:,} purchase{'s were' if dropped != 1 else ' was'} dropped: beyond the "
        f"{max_purchases} kept per person."
        if dropped
        else ""
    )
    matched = sum(card["metrics"]["oracle"][group]["matched"] for group in ("test", "control"))
    return (
        f"{population:,} users, {matched:,} ({matched / population:.0%}) in the advertiser's "
        f"sales log; a {window_days}-day attribution window. Lift, with its 95% interval: true "
        f"{said('truth')}; trusted join {said('oracle')}; {released} "
        f"{rule} {noise}{kept}"
    )


# --------------------------------------------------------------------------
# 3. The differencing attack
# --------------------------------------------------------------------------

DIFFERENCE_RUNS = 4000


def differences(
    bob: Mapping[str, int],
    epsilon: float | None,
    *,
    max_purchases: int,
    value_cap: int,
    seed: int = 4,
) -> dict[str, np.ndarray]:
    """Tuesday's minus Monday's test totals over many release pairs: exact, or noisy at ``epsilon``.

    The noise is dp_lift_report's (ε / 3 per metric), drawn by the fast numpy
    sampler: the exact one would take up to 1 s per setting.

    >>> bob = {"converters": 1, "conversions": 2, "value": 8_150}
    >>> set(differences(bob, None, max_purchases=4, value_cap=20_000)["value"].tolist())
    {8150}
    """
    rng = np.random.default_rng(seed)
    sensitivities = lift_sensitivities(max_purchases, value_cap)
    result = {}
    for metric in ("converters", "value"):
        exact = np.full(DIFFERENCE_RUNS, bob[metric], dtype=np.int64)
        if epsilon is None:
            result[metric] = exact
            continue
        noise = [
            discrete_laplace_noise(
                epsilon / 3, size=DIFFERENCE_RUNS, sensitivity=sensitivities[metric], rng=rng
            )
            for _day in range(2)
        ]
        result[metric] = exact + noise[1] - noise[0]
    return result


def binned(values: np.ndarray, bins: int = 40) -> tuple[np.ndarray, np.ndarray, float]:
    """Bar centres, counts and width of a histogram: one bar per whole number if few, else ``bins``.

    >>> binned(np.array([1, 1, 2, 4]))
    (array([1, 2, 3, 4]), array([2, 1, 0, 1]), 0.9)
    """
    low, high = float(values.min()), float(values.max())
    if np.all(values == np.round(values)) and high - low < bins:
        centres = np.arange(int(low), int(high) + 1)
        return centres, np.bincount((values - low).astype(int), minlength=centres.size), 0.9
    counts, edges = np.histogram(values, bins=bins)
    step = float(edges[1] - edges[0])
    return (edges[:-1] + edges[1:]) / 2, counts, 0.95 * step


def differencing_figure(
    bob: Mapping[str, int], diffs: dict[str, np.ndarray], label: str
) -> go.Figure:
    """Histograms of the differences in converters (left) and value (right), with Bob's truth."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.08)
    for col, colour in ((1, PALETTE["blue"]), (2, PALETTE["orange"])):
        fig.add_bar(  # a histogram binned here: 40 bars reach the page, not 4,000 samples
            marker={"color": colour, "line": {"color": "white", "width": 0.5}},
            showlegend=False,
            hovertemplate="%{x}: %{y} runs<extra></extra>",
            row=1,
            col=col,
        )
        fig.add_vline(
            x=0, line={"color": PALETTE["black"], "dash": "dash", "width": 2}, row=1, col=col
        )
    fig.add_scatter(  # the legend entry for the dashed lines
        x=[None],
        y=[None],
        mode="lines",
        line={"color": PALETTE["black"], "dash": "dash", "width": 2},
        name="Bob's true contribution",
        row=1,
        col=1,
    )
    fig.update_layout(
        base_layout(height=400, margin={**TWO_PANELS, "b": 100}),
        legend={"orientation": "h", "x": 0.0, "y": -0.38},
        showlegend=True,
    )
    fig.update_xaxes(title_text="Tuesday − Monday,<br>test converters (people)", row=1, col=1)
    fig.update_xaxes(title_text="Tuesday − Monday,<br>test value (€)", row=1, col=2)
    pairs = f"release pairs (of {DIFFERENCE_RUNS:,})"
    fig.update_yaxes(title_text=pairs, row=1, col=1)
    fig.update_yaxes(title_text=pairs, side="right", row=1, col=2)  # beside its own panel
    update_differencing(fig, bob, diffs, label)
    return fig


def update_differencing(
    fig: go.Figure, bob: Mapping[str, int], diffs: dict[str, np.ndarray], label: str
) -> None:
    """Redraw :func:`differencing_figure` for other releases."""
    for index, metric in enumerate(("converters", "value")):
        scale = 100 if metric == "value" else 1
        centres, counts, width = binned(diffs[metric] / scale)
        fig.data[index].update(x=centres, y=counts, width=width)
        truth = bob[metric] / scale
        fig.layout.shapes[index].update(x0=truth, x1=truth)
    fig.layout.title.text = f"Subtracting two releases, {DIFFERENCE_RUNS:,} times: {label}"


def differencing_caption(
    bob: Mapping[str, int], diffs: dict[str, np.ndarray], epsilon: float | None
) -> str:
    """How often the attacker, subtracting the two releases, lands on Bob's purchases."""
    value = bob["value"]
    near = float(np.mean(np.abs(diffs["value"] - value) <= 1000))  # within €10
    bought = float(np.mean(diffs["converters"] >= 1))
    if epsilon is None:
        return (
            f"Exact totals: every pair of reports differs by exactly 1 converter and "
            f"{_euros(value)}, Bob's purchases. Both reports passed the minimum-audience rule; "
            "the rule did nothing to stop this."
        )
    spread = np.std(diffs["value"]) / 100
    without = float(np.mean(diffs["converters"] - bob["converters"] >= 1))
    return (
        f"With ε = {epsilon:g} per report, the difference in value has a spread of "
        f"about €{spread:,.0f}, against Bob's {_euros(value)}: it lands within €10 of his "
        f"total in {near:.1%} of pairs. The converters differ by 1 or more in {bought:.0%} of "
        f"pairs; had Bob not bought, they would in {without:.0%}. The closer those two "
        "figures, the less the two reports say about Bob: that is what a small ε buys."
    )
