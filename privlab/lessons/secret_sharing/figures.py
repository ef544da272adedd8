"""Charts for lesson 03: secret sharing and secure computation.

Every chart comes as ``x_figure(...)`` (a skeleton plus one call of the update
function), ``update_x(fig, ...)`` (changes data and text only) and
``x_caption(...)`` (what the chart shows, in words).
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from privlab import mpc
from privlab._guard import integer
from privlab.lessons.kit.style import (
    BAR_TEXT_SIZE,
    PALETTE,
    UNIFORM_TEXT,
    base_layout,
    legend_below,
)

RING = 2.0**64
PARTY_COLOURS = (
    PALETTE["blue"],
    PALETTE["orange"],
    PALETTE["green"],
    PALETTE["purple"],
    PALETTE["sky"],
    PALETTE["vermillion"],
    PALETTE["yellow"],
    PALETTE["grey"],
)


def _short_int(value: int) -> str:
    """A ring element as a readable number: 18,446,744,073,709,551,615 becomes 1.84e19."""
    return f"{value:,}" if abs(value) < 1_000_000 else f"{value:.3g}"


# --------------------------------------------------------------------------
# 1. Additive shares look like noise
# --------------------------------------------------------------------------

SHARINGS = 5000
BINS = 20


def sharing_snapshot(secret: int, parties: int, *, seed: int = 1) -> dict[str, np.ndarray]:
    """One sharing of ``secret`` to show, and every party's share over many sharings."""
    secret = integer("secret", secret, low=mpc.MIN_INTEGER, high=mpc.MAX_INTEGER)
    parties = integer("parties", parties, low=2, high=len(PARTY_COLOURS))
    generator = np.random.default_rng([seed, secret % 2**32, parties])  # fresh for each secret
    one = mpc.share_additive(np.array([secret]), parties, rng=generator)
    many = mpc.share_additive(np.full(SHARINGS, secret), parties, rng=generator)
    zeros = np.zeros(SHARINGS, dtype=np.int64)
    zero = mpc.share_additive(zeros, parties, rng=np.random.default_rng([seed, parties]))
    edges = np.linspace(0, RING, BINS + 1)
    return {
        "shares": [int(share.value[0]) for share in one],
        "histograms": np.array(
            [np.histogram(share.value.astype(float), bins=edges)[0] for share in many]
        ),
        "histogram_zero": np.histogram(zero[-1].value.astype(float), bins=edges)[0],
    }


# A legend to the right of the plot area, one entry per line: it never meets an axis title,
# however many parties there are, and it takes no room from the panels' height.
LEGEND_RIGHT = {"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1.0, "yanchor": "top"}


def shares_figure(secret: int, parties: int, snapshot: dict[str, np.ndarray]) -> go.Figure:
    """Left: the shares of one sharing. Right: each party's share over many sharings."""
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.45, 0.55],
        horizontal_spacing=0.17,
        subplot_titles=("One sharing", f"Each share over {SHARINGS:,} sharings"),
    )
    fig.add_bar(
        name="shares of this sharing",
        textposition="outside",
        textfont={"size": BAR_TEXT_SIZE},
        constraintext="none",  # plotly would shrink a label to the bar's width
        cliponaxis=False,
        showlegend=False,
        hovertemplate="party %{x}: %{text}<extra></extra>",
        row=1,
        col=1,
    )
    symbols = ("circle", "square", "diamond", "triangle-up", "cross", "x", "star", "hexagon")
    for i, (colour, symbol) in enumerate(zip(PARTY_COLOURS, symbols, strict=True)):
        fig.add_scatter(
            name=f"party {i + 1}",
            mode="lines+markers",
            line={"color": colour, "width": 2},
            marker={"symbol": symbol, "size": 6},
            row=1,
            col=2,
        )
    fig.add_scatter(
        name="last share,<br>secret = 0",
        mode="lines",
        line={"color": PALETTE["black"], "width": 2, "dash": "dash"},
        row=1,
        col=2,
    )
    fig.update_layout(
        base_layout(
            height=420,
            bargap=0.1,
            margin={"l": 70, "r": 20, "t": 80, "b": 60},
            legend=LEGEND_RIGHT,
            uniformtext=UNIFORM_TEXT,
        )
    )
    fig.update_annotations(font_size=13)  # the subplot titles
    fig.update_xaxes(title_text="party (number)", type="category", row=1, col=1)
    fig.update_yaxes(title_text="share (fraction of the ring 2⁶⁴)", range=[0, 1.4], row=1, col=1)
    fig.update_xaxes(title_text="value of the share (fraction of 2⁶⁴)", row=1, col=2)
    fig.update_yaxes(title_text="number of sharings (per bin)", row=1, col=2)
    update_shares(fig, secret, parties, snapshot)
    return fig


def update_shares(
    fig: go.Figure, secret: int, parties: int, snapshot: dict[str, np.ndarray]
) -> None:
    """Redraw :func:`shares_figure` for another secret or number of parties."""
    shares = snapshot["shares"]
    fig.data[0].update(
        x=[str(i + 1) for i in range(parties)],
        y=[share / RING for share in shares],
        text=[_short_int(share) for share in shares],
        # Up to 3 bars the label fits across a bar; with more, it stands upright above it.
        textangle=0 if parties <= 3 else -90,
        marker_color=list(PARTY_COLOURS[:parties]),
    )
    centres = (np.arange(BINS) + 0.5) / BINS
    histograms = snapshot["histograms"]
    for i, trace in enumerate(fig.data[1 : 1 + len(PARTY_COLOURS)]):
        shown = i < parties
        trace.update(
            x=centres if shown else [],
            y=histograms[i] if shown else [],
            visible=shown,
            name=f"party {i + 1}" + ("<br>(from the secret)" if i == parties - 1 else ""),
        )
    fig.data[-1].update(x=centres, y=snapshot["histogram_zero"])
    fig.layout.yaxis2.range = [0, SHARINGS / BINS * 1.6]
    fig.layout.title.text = (
        f"The secret {secret:,} split among {parties} parties: the shares add up to it modulo 2⁶⁴"
    )


def shares_caption(secret: int, parties: int, snapshot: dict[str, np.ndarray]) -> str:
    """What the shares chart shows, in words."""
    shares = snapshot["shares"]
    total = sum(shares)
    return (
        f"The {parties} shares are {', '.join(_short_int(s) for s in shares)}. Added up they "
        f"make {_short_int(total)}, and modulo 2⁶⁴ that is {total % 2**64:,}: the secret "
        f"(negative secrets wrap around: −1 is 2⁶⁴ − 1). On the right, over {SHARINGS:,} "
        "sharings, every party's share is spread evenly over the whole ring (flat lines near "
        f"{SHARINGS // BINS} per bin), even the last one, computed from the secret {secret:,}, "
        "and just as for the secret 0 (dashed): one share, on its own, says nothing."
    )


# --------------------------------------------------------------------------
# 2. The class average: what each party saw
# --------------------------------------------------------------------------

TABLE_COLUMNS = ("round", "from", "to", "what", "value")


def _table_figure(
    columns: tuple[str, ...], cells: dict, widths: list[float], *, height: int
) -> go.Figure:
    """A chart of one table, its header ``columns``, its cells left-aligned; no axes."""
    fig = go.Figure()
    fig.add_table(
        header={
            "values": [f"<b>{c}</b>" for c in columns],
            "fill_color": PALETTE["blue"],
            "font": {"color": "white"},
            "align": "left",
        },
        cells={"align": "left", **cells},
        columnwidth=widths,
    )
    fig.update_layout(base_layout(height=height, margin={"l": 10, "r": 10, "t": 60, "b": 10}))
    fig.update_xaxes(visible=False)  # a table has no axes
    fig.update_yaxes(visible=False)
    return fig


def transcript_figure(rows: list[dict], title: str) -> go.Figure:
    """A table of messages (one row each): round, sender, receiver, label, value."""
    fig = _table_figure(TABLE_COLUMNS, {"height": 24}, [0.6, 0.9, 0.9, 2.0, 2.2], height=430)
    update_transcript(fig, rows, title)
    return fig


def update_transcript(fig: go.Figure, rows: list[dict], title: str) -> None:
    """Redraw :func:`transcript_figure` with other messages."""
    columns = [[row[c] for row in rows] for c in TABLE_COLUMNS]
    shading = ["#f2f2f2" if row["round"] % 2 else "white" for row in rows]  # alternate rounds
    fig.data[0].update(cells={"values": columns, "fill_color": [shading] * len(TABLE_COLUMNS)})
    fig.layout.title.text = title


# --------------------------------------------------------------------------
# 3. Shamir: a polynomial through the secret, and collusion
# --------------------------------------------------------------------------

SMALL_PRIME = 97
SHAMIR_PARTIES = 5


def picture_polynomial(secret: float, threshold: int, *, seed: int = 3) -> np.ndarray:
    """Coefficients of a polynomial over ordinary numbers, for the picture (not for security)."""
    generator = np.random.default_rng(seed + 10 * threshold)
    rest = generator.integers(1, 7, size=threshold - 1) * generator.choice([-1, 1], threshold - 1)
    # Scale term k so that it moves the curve by at most about 60 over x = 0..5.
    scales = [10.0 / 5**k for k in range(1, threshold)]
    return np.concatenate([[float(secret)], rest * scales])


def _through(points: list[tuple[float, float]], xs: np.ndarray) -> np.ndarray:
    """The lowest-degree polynomial through ``points``, evaluated at ``xs`` (Lagrange)."""
    total = np.zeros_like(xs, dtype=float)
    for i, (xi, yi) in enumerate(points):
        term = np.full_like(xs, yi, dtype=float)
        for j, (xj, _) in enumerate(points):
            if j != i:
                term *= (xs - xj) / (xi - xj)
        total += term
    return total


def field_points(secret: int, threshold: int) -> list[tuple[int, int]]:
    """The five parties' Shamir shares ``(x, y)`` of ``secret`` modulo :data:`SMALL_PRIME`."""
    shares = mpc.shamir_share(
        np.array([secret]), threshold, SHAMIR_PARTIES, prime=SMALL_PRIME, rng=7
    )
    return [(share.x, int(share.y[0])) for share in shares]


def shamir_figure(secret: int, threshold: int, colluders: int) -> go.Figure:
    """Left: the idea over ordinary numbers. Right: what colluders learn modulo a prime."""
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.55, 0.45],
        horizontal_spacing=0.12,
        subplot_titles=(
            "The idea, with ordinary numbers",
            f"The real thing, modulo {SMALL_PRIME}",
        ),
    )
    blue, grey, red, black = (PALETTE[c] for c in ("blue", "grey", "vermillion", "black"))
    for name, mode, style in (
        ("the sharing polynomial", "lines", {"line": {"color": blue, "width": 3}}),
        ("other secrets that fit", "lines", {"line": {"color": grey, "width": 1.5, "dash": "dot"}}),
        (
            "shares of colluders",
            "markers",
            {"marker": {"color": red, "size": 13, "symbol": "circle"}},
        ),
        (
            "other parties' shares",
            "markers",
            {"marker": {"color": blue, "size": 11, "symbol": "circle-open", "line": {"width": 2}}},
        ),
        (
            "the secret (x = 0)",
            "markers+text",
            {
                "marker": {"color": black, "size": 14, "symbol": "star"},
                "textposition": "middle right",
            },
        ),
    ):
        fig.add_scatter(name=name, mode=mode, **style, row=1, col=1)
    fig.add_bar(
        name="chance of each secret, given the colluders' shares",
        marker_color=PALETTE["vermillion"],
        marker_line_width=0,
        row=1,
        col=2,
    )
    margin = {"l": 70, "r": 20, "t": 70, "b": 200}
    fig.update_layout(
        base_layout(
            height=540,
            bargap=0,
            margin=margin,
            # Up to six entries, one a line, from 70 px below the plot: under the axis titles.
            legend=legend_below(540, margin),
        )
    )
    fig.update_xaxes(title_text="x (party number; the secret sits at 0)", dtick=1, row=1, col=1)
    fig.update_yaxes(title_text="value", row=1, col=1)
    fig.update_xaxes(title_text=f"candidate secret (0 to {SMALL_PRIME - 1})", row=1, col=2)
    fig.update_yaxes(title_text="probability", row=1, col=2)
    update_shamir(fig, secret, threshold, colluders)
    return fig


def update_shamir(fig: go.Figure, secret: int, threshold: int, colluders: int) -> None:
    """Redraw :func:`shamir_figure` for another secret, threshold or number of colluders."""
    xs = np.linspace(0, SHAMIR_PARTIES + 0.3, 120)
    parties = np.arange(1, SHAMIR_PARTIES + 1)
    coefficients = picture_polynomial(secret, threshold)
    curve = np.polynomial.polynomial.polyval(xs, coefficients)
    shares = np.polynomial.polynomial.polyval(parties, coefficients)
    known = list(zip(parties[:colluders].tolist(), shares[:colluders].tolist(), strict=True))
    revealed = colluders >= threshold
    others_x: list[float] = []
    others_y: list[float] = []
    if not revealed:
        for alternative in (secret - 60, secret - 30, secret + 30, secret + 60):
            others_x += [*xs.tolist(), None]
            others_y += [*_through([(0.0, float(alternative)), *known], xs).tolist(), None]
    fig.data[0].update(x=xs, y=curve)
    fig.data[1].update(x=others_x, y=others_y)
    fig.data[2].update(x=parties[:colluders], y=shares[:colluders])
    fig.data[3].update(x=parties[colluders:], y=shares[colluders:])
    fig.data[4].update(x=[0], y=[secret], text=[f" secret {secret}" if revealed else " ?"])
    # The real scheme: shares modulo a small prime, and what colluding parties can infer.
    points = field_points(secret, threshold)[:colluders]
    counts = mpc.consistent_secrets(points, threshold, prime=SMALL_PRIME).astype(float)
    chances = counts / counts.sum()
    fig.data[5].update(x=np.arange(SMALL_PRIME), y=chances)
    fig.layout.yaxis2.range = [0, float(chances.max()) * 1.3]  # 1/97 is visible too
    low = min(float(curve.min()), secret - 70)
    high = max(float(curve.max()), secret + 70)
    fig.layout.yaxis.range = [low - 10, high + 10]
    fig.layout.title.text = f"{threshold}-of-{SHAMIR_PARTIES} sharing, {colluders} colluding: " + (
        "the secret falls out" if revealed else "they learn nothing about the secret"
    )


def shamir_caption(secret: int, threshold: int, colluders: int) -> str:
    """What the Shamir chart shows, in words."""
    if colluders >= threshold:
        return (
            f"{colluders} parties pool their shares: {threshold} points fix a polynomial of "
            f"degree {threshold - 1}, so only one curve fits and its value at 0, the secret "
            f"{secret}, falls out. Modulo {SMALL_PRIME} the same: one candidate has "
            "probability 1."
        )
    held = ", ".join(f"({x}, {y})" for x, y in field_points(secret, threshold)[:colluders])
    return (
        f"{colluders} colluding part{'y' if colluders == 1 else 'ies'} hold"
        f"{'s' if colluders == 1 else ''} {colluders} point{'s' if colluders != 1 else ''}, "
        f"but a polynomial of degree {threshold - 1} needs {threshold}. For every candidate "
        "secret some curve fits their points (dotted lines). Modulo "
        f"{SMALL_PRIME} it is exact: every one of the {SMALL_PRIME} possible secrets fits their "
        "shares in exactly as many ways, so the shares do not change the odds at all (shown "
        f"for a secret that was equally likely to be anything: 1/{SMALL_PRIME} each)"
        + (f" (here, modulo {SMALL_PRIME}: {held})." if held else ".")
    )


# --------------------------------------------------------------------------
# 5. What it costs
# --------------------------------------------------------------------------

PROTOCOLS = {"sum": "secure sum", "product": "product (Beaver)", "dot": "dot product"}
METRICS = (("messages", "messages"), ("rounds", "rounds"), ("bytes", "data sent (MB)"))
# Tick labels on two lines, so that three fit side by side without turning.
PROTOCOL_TICKS = ("secure<br>sum", "Beaver<br>product", "dot<br>product")


def _decades(low: float, high: float) -> dict[str, list]:
    """Ticks at the powers of ten from ``low`` to ``high``, labelled as plain numbers."""
    exponents = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    values = [10.0**e for e in exponents]
    return {
        "tickvals": values,
        "ticktext": [
            f"{v:,.0f}" if v >= 1 else f"{v:.{-math.floor(math.log10(v))}f}" for v in values
        ],
    }


def _data_size(nbytes: float) -> str:
    """A number of bytes for a bar label: 32 B, 2.54 kB, 96 MB, 1.44 GB."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= size:
            return f"{nbytes / size:.3g} {unit}"
    return f"{nbytes:.0f} B"


def cost_figure(parties: int, values: int) -> go.Figure:
    """Messages, rounds and data sent by each protocol, for ``parties`` and ``values``."""
    fig = make_subplots(
        rows=1,
        cols=3,
        horizontal_spacing=0.13,
        subplot_titles=[title for _, title in METRICS],
    )
    for column, (_, title) in enumerate(METRICS, start=1):
        fig.add_bar(
            name=title,
            marker_color=[PALETTE["blue"], PALETTE["orange"], PALETTE["green"]],
            textposition="outside",
            textfont={"size": BAR_TEXT_SIZE},
            constraintext="none",  # plotly would shrink a label to the bar's width
            cliponaxis=False,
            showlegend=False,
            row=1,
            col=column,
        )
    fig.update_layout(base_layout(height=400, uniformtext=UNIFORM_TEXT))
    fig.update_annotations(font_size=13)  # the subplot titles
    fig.update_yaxes(type="log", title_text="messages (log scale)", row=1, col=1)
    fig.update_yaxes(title_text="rounds", row=1, col=2)
    fig.update_yaxes(type="log", title_text="megabytes (log scale)", row=1, col=3)
    for column in (1, 2, 3):
        fig.update_xaxes(title_text="protocol", tickangle=0, tickfont_size=12, row=1, col=column)
    update_cost(fig, parties, values)
    return fig


def update_cost(fig: go.Figure, parties: int, values: int) -> None:
    """Redraw :func:`cost_figure` for another number of parties or values."""
    names = list(PROTOCOL_TICKS)
    costs = [mpc.protocol_cost(key, parties, values) for key in PROTOCOLS]
    messages = [cost["messages"] for cost in costs]
    rounds = [cost["rounds"] for cost in costs]
    megabytes = [cost["bytes"] / 1e6 for cost in costs]
    fig.data[0].update(x=names, y=messages, text=[f"{m:,}" for m in messages])
    fig.data[1].update(x=names, y=rounds, text=[str(r) for r in rounds])
    fig.data[2].update(x=names, y=megabytes, text=[_data_size(cost["bytes"]) for cost in costs])
    fig.layout.yaxis.range = [0, math.log10(max(messages)) + 0.6]
    fig.layout.yaxis.update(_decades(1, max(messages)))
    fig.layout.yaxis2.range = [0, max(rounds) + 1.5]
    low, high = math.log10(min(megabytes)) - 0.5, math.log10(max(megabytes)) + 0.6
    fig.layout.yaxis3.range = [low, high]
    fig.layout.yaxis3.update(_decades(10**low, 10**high))
    fig.layout.title.text = f"{parties} parties, {values:,} values each"


# --------------------------------------------------------------------------
# 4. Beaver multiplication, step by step
# --------------------------------------------------------------------------

BEAVER_STEPS = {
    1: "Step 1: the inputs are shared, and the dealer hands out a triple a, b, c = a·b",
    2: "Step 2: each party computes its shares of d = x − a and e = y − b (locally)",
    3: "Step 3: the parties open d and e: everyone announces their shares of them",
    4: "Step 4: each party computes z = c + d·b + e·a (the first adds d·e): shares of x·y",
}


def beaver_walkthrough(x: int, y: int, *, seed: int = 0) -> list[dict[str, object]]:
    """The rows of the Beaver table: each value, both parties' shares, who knows it, its step."""
    x = integer("x", x, low=-(2**31), high=2**31)
    y = integer("y", y, low=-(2**31), high=2**31)
    generator = np.random.default_rng(seed)
    xs = mpc.share_additive(np.array(x), 2, rng=generator)
    ys = mpc.share_additive(np.array(y), 2, rng=generator)
    triples = mpc.Dealer().triples((), 2, rng=generator)
    a = [t.a for t in triples]
    b = [t.b for t in triples]
    c = [t.c for t in triples]
    d = [xi - ai for xi, ai in zip(xs, a, strict=True)]
    e = [yi - bi for yi, bi in zip(ys, b, strict=True)]
    d_open = mpc.reconstruct_additive(d)
    e_open = mpc.reconstruct_additive(e)
    z = [
        ci + bi * d_open + ai * e_open + d_open * e_open for ai, bi, ci in zip(a, b, c, strict=True)
    ]

    def signed(ring_value: np.ndarray) -> str:
        return f"{int(mpc.decode(ring_value))}"  # exact, so sums can be checked by hand

    def row(step: int, value: str, shares: list, whole: str, known: str) -> dict[str, object]:
        return {
            "step": step,
            "value": value,
            "party 1": signed(shares[0].value),
            "party 2": signed(shares[1].value),
            "whole": whole,
            "who knows the whole value": known,
        }

    whole_a = mpc.reconstruct_additive(a)
    whole_b = mpc.reconstruct_additive(b)
    return [
        row(1, "x (party 1's input)", xs, f"{x:,}", "party 1 only"),
        row(1, "y (party 2's input)", ys, f"{y:,}", "party 2 only"),
        row(1, "a (random, fresh)", a, signed(whole_a), "the dealer only"),
        row(1, "b (random, fresh)", b, signed(whole_b), "the dealer only"),
        row(1, "c = a·b", c, signed(mpc.reconstruct_additive(c)), "the dealer only"),
        row(2, "d = x − a", d, "not yet opened", "nobody yet"),
        row(2, "e = y − b", e, "not yet opened", "nobody yet"),
        row(3, "d, opened", d, signed(d_open), "everyone (looks random)"),
        row(3, "e, opened", e, signed(e_open), "everyone (looks random)"),
        row(4, "z = x·y", z, signed(mpc.reconstruct_additive(z)), "whoever gets both z shares"),
    ]


BEAVER_COLUMNS = ("value", "party 1", "party 2", "whole", "who knows the whole value")


def beaver_figure(rows: list[dict[str, object]], step: int) -> go.Figure:
    """A table of the Beaver rows up to ``step``; the rows of this step are highlighted."""
    cells = {"height": 26, "font": {"size": 11}}
    # Tall enough for all ten rows at step 4, so the product shows without scrolling.
    fig = _table_figure(BEAVER_COLUMNS, cells, [1.3, 2.0, 2.0, 2.0, 1.4], height=630)
    update_beaver(fig, rows, step)
    return fig


def update_beaver(fig: go.Figure, rows: list[dict[str, object]], step: int) -> None:
    """Redraw :func:`beaver_figure` for another step or another run."""
    step = integer("step", step, low=1, high=len(BEAVER_STEPS))
    shown = [row for row in rows if int(row["step"]) <= step]  # type: ignore[call-overload]
    fill = ["#FBE3C8" if row["step"] == step else "white" for row in shown]
    fig.data[0].update(
        cells={
            "values": [[row[c] for row in shown] for c in BEAVER_COLUMNS],
            "fill_color": [fill] * len(BEAVER_COLUMNS),
        }
    )
    fig.layout.title.text = BEAVER_STEPS[step]


def beaver_caption(
    rows: list[dict[str, object]], step: int, x: int, y: int, *, triple: int = 1
) -> str:
    """What the Beaver table shows at ``step``, in words; ``triple`` counts the triples dealt."""
    step = integer("step", step, low=1, high=len(BEAVER_STEPS))
    dealt = (
        f"Triple no. {triple}, dealt fresh for x = {x}, y = {y} (a triple is used once: new "
        "inputs get a new one). "
    )
    return dealt + _beaver_step_text(rows, step, x, y)


def _beaver_step_text(rows: list[dict[str, object]], step: int, x: int, y: int) -> str:
    if step == 1:
        return (
            f"Party 1's x = {x} and party 2's y = {y} are shared: each party holds a share of "
            f"both, and a share of the dealer's a, b and c. Only the dealer knows a (here "
            f"{rows[2]['whole']}), b and c whole: that is the trust it needs."
        )
    if step == 2:
        return (
            "Subtracting shares is local: each party now holds shares of d = x − a and "
            f"e = y − b (their shares: {rows[5]['party 1']} and {rows[5]['party 2']} for d), "
            f"without any message. Nobody has seen x = {x} or y = {y}."
        )
    if step == 3:
        d, e = rows[7]["whole"], rows[8]["whole"]
        return (
            f"Opened: d = {d} and e = {e}. They look random because a and b are uniform and "
            "used once, so they reveal nothing about x and y. Only someone who also knows a "
            f"and b (the dealer) could compute x = d + a = {x}."
        )
    return (
        f"The z shares look random, but added up (modulo 2⁶⁴, read as a signed number) they "
        f"give {rows[-1]['whole']} = {x} × {y}. Press 'New triple': every number changes "
        "except the product."
    )
