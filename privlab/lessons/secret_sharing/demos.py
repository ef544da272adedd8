"""Interactive demos for lesson 03: secret sharing and secure computation.

Each function returns a :class:`~privlab.lessons.kit.demo.Demo`: display it as
the last line of a cell. The charts come from :mod:`privlab.lessons.secret_sharing.figures`.
"""

from __future__ import annotations

import time

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from privlab import mpc
from privlab._guard import integer
from privlab._guard import rng as as_rng
from privlab.lessons.kit.demo import Demo, one_of, selection_slider
from privlab.lessons.secret_sharing import figures as charts

SECRETS = (-5, 0, 1, 2, 5, 10, 42, 100, 1000, 10**6)
PARTY_COUNTS = (2, 3, 4, 5, 6, 7, 8)
COLLEAGUES = {
    "Ana": 52_300.00,
    "Ben": 48_750.50,
    "Chloe": 61_200.00,
    "Dmitri": 45_900.25,
    "Elena": 57_480.00,
}
EVERYONE = "all messages"


def shares_demo(secret: int = 42, parties: int = 3) -> Demo:
    """Split a secret into additive shares; see one sharing, and the spread of one share."""
    secret = integer("secret", secret, low=min(SECRETS), high=max(SECRETS))
    parties = integer("parties", parties, low=PARTY_COUNTS[0], high=PARTY_COUNTS[-1])
    choose_secret = selection_slider("secret", SECRETS, secret, fmt="{:,}")
    choose_parties = selection_slider("parties", PARTY_COUNTS, parties)
    snapshots: dict[tuple[int, int], dict] = {}

    def snapshot() -> dict:
        key = (choose_secret.value, choose_parties.value)
        if key not in snapshots:
            snapshots[key] = charts.sharing_snapshot(*key)
        return snapshots[key]

    figure = charts.shares_figure(choose_secret.value, choose_parties.value, snapshot())

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        charts.update_shares(figure, choose_secret.value, choose_parties.value, snapshot())
        return charts.shares_caption(choose_secret.value, choose_parties.value, snapshot())

    return Demo([choose_secret, choose_parties], figure, redraw, title="Shares look like noise")


def _euros(amount: float) -> str:
    """An amount with the minus sign in front: −€45,874.57."""
    return f"{'−' if amount < 0 else ''}€{abs(amount):,.2f}"


def _rows(result: mpc.ProtocolResult, viewer: str) -> list[dict]:
    """The messages ``viewer`` received (or all of them), with values decoded as euros."""
    network = result.network
    messages = network.messages if viewer == EVERYONE else network.view(viewer)
    return [
        {
            "round": message.round,
            "from": message.sender,
            "to": message.receiver,
            "what": message.label,
            "value": _euros(float(mpc.decode(message.payload, fixed_point=True))),
        }
        for message in messages
    ]


def class_average_demo(viewer: str = "Ben", seed: int = 1) -> Demo:
    """The colleagues' secure average salary, and what each of them saw."""
    one_of("viewer", viewer, (*COLLEAGUES, EVERYONE))
    generator = as_rng(seed)
    whose = selection_slider("view of", (*COLLEAGUES, EVERYONE), viewer, fmt="{}")
    again = widgets.Button(description="Run again", icon="refresh", layout={"width": "auto"})
    result = mpc.secure_mean(COLLEAGUES, rng=generator)
    figure = charts.transcript_figure(_rows(result, whose.value), "")

    def redraw(figure: go.Figure, trigger: widgets.Widget | None) -> str:
        nonlocal result
        if trigger is again:
            result = mpc.secure_mean(COLLEAGUES, rng=generator)
        rows = _rows(result, whose.value)
        who = "everyone" if whose.value == EVERYONE else whose.value
        title = f"What {who} received: {len(rows)} messages"
        charts.update_transcript(figure, rows, title)
        stats = result.network.stats()
        return (
            f"{who.capitalize() if who == 'everyone' else who} received {len(rows)} messages. "
            f"The protocol sent {stats['messages']} messages in {stats['rounds']} rounds "
            f"({stats['bytes']:,} bytes), and everyone learned the average, "
            f"€{float(result.output):,.2f}. The round-1 shares are uniform random amounts "
            f"(the first one listed: {rows[0]['value']}); only the round-2 partial sums, "
            "added together, mean anything."
        )

    return Demo([whose, again], figure, redraw, title="The secure average salary")


def shamir_demo(secret: int = 40, threshold: int = 3, colluders: int = 2) -> Demo:
    """Shamir sharing as a polynomial; colluders below the threshold learn nothing."""
    secret = integer("secret", secret, low=0, high=charts.SMALL_PRIME - 1)
    threshold = integer("threshold", threshold, low=2, high=charts.SHAMIR_PARTIES)
    colluders = integer("colluders", colluders, low=0, high=charts.SHAMIR_PARTIES)
    choose_secret = selection_slider("secret", tuple(range(0, 97, 8)), secret, fmt="{}")
    choose_threshold = selection_slider(
        "threshold t", tuple(range(2, charts.SHAMIR_PARTIES + 1)), threshold, fmt="{}"
    )
    choose_colluders = selection_slider(
        "colluding parties", tuple(range(charts.SHAMIR_PARTIES + 1)), colluders, fmt="{}"
    )
    controls = [choose_secret, choose_threshold, choose_colluders]
    figure = charts.shamir_figure(*(control.value for control in controls))

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        values = [control.value for control in controls]
        charts.update_shamir(figure, *values)
        return charts.shamir_caption(*values)

    return Demo(controls, figure, redraw, title="Shamir sharing and collusion")


def _megabytes(nbytes: float) -> str:
    megabytes = nbytes / 1e6
    return f"{megabytes:,.0f} MB" if megabytes >= 100 else f"{megabytes:.3g} MB"


def _duration(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.1f} s"
    return f"{seconds * 1000:.3g} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.3g} µs"


VALUE_COUNTS = (1, 10, 100, 1_000, 10_000, 100_000, 1_000_000)
TIMING_VALUES = 20_000


def cost_demo(parties: int = 3, values: int = 1000) -> Demo:
    """Messages, rounds and bytes of the protocols, and how long the sum takes here."""
    parties = integer("parties", parties, low=2, high=10)
    one_of("values", values, VALUE_COUNTS)
    choose_parties = selection_slider("parties", tuple(range(2, 11)), parties, fmt="{}")
    choose_values = selection_slider("values per party", VALUE_COUNTS, values, fmt="{:,}")
    # Time one secure sum of TIMING_VALUES values per party count, once: the time grows in
    # proportion to the number of values, so other sizes are estimated from it.
    seconds_per_value = {}
    for n in range(2, 11):
        inputs = {f"party {i + 1}": np.arange(TIMING_VALUES) for i in range(n)}
        start = time.perf_counter()
        mpc.secure_sum(inputs, rng=n)
        seconds_per_value[n] = (time.perf_counter() - start) / TIMING_VALUES
    figure = charts.cost_figure(choose_parties.value, choose_values.value)

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        n, k = choose_parties.value, choose_values.value
        charts.update_cost(figure, n, k)
        total = mpc.protocol_cost("sum", n, k)
        seconds = seconds_per_value[n] * k
        return (
            f"A secure sum of {k:,} values among {n} parties: {total['messages']:,} messages in "
            f"{total['rounds']} rounds, {_megabytes(total['bytes'])} in all. On this machine the "
            f"vectorised implementation takes about {_duration(seconds)} (estimated from a run "
            f"with {TIMING_VALUES:,} values); a real network adds a trip per round."
        )

    return Demo([choose_parties, choose_values], figure, redraw, title="What it costs")


def beaver_demo(x: int = 6, y: int = 7, step: int = 1) -> Demo:
    """Multiply two shared numbers with a Beaver triple, one step at a time.

    A triple is used once: new inputs (x or y moved) get a freshly dealt
    triple, as does "New triple" for the same inputs. Moving the step walks
    through the same multiplication.
    """
    numbers = tuple(range(-10, 11))
    x = integer("x", x, low=numbers[0], high=numbers[-1])
    y = integer("y", y, low=numbers[0], high=numbers[-1])
    step = integer("step", step, low=1, high=len(charts.BEAVER_STEPS))
    choose_x = selection_slider("x", numbers, x, fmt="{}")
    choose_y = selection_slider("y", numbers, y, fmt="{}")
    choose_step = selection_slider("step", tuple(charts.BEAVER_STEPS), step, fmt="{}")
    again = widgets.Button(description="New triple", icon="refresh", layout={"width": "auto"})
    dealt = 1  # how many triples the dealer has handed out; each run draws its own
    rows = charts.beaver_walkthrough(x, y, seed=dealt)
    figure = charts.beaver_figure(rows, step)

    def redraw(figure: go.Figure, trigger: widgets.Widget | None) -> str:
        nonlocal rows, dealt
        if trigger in (again, choose_x, choose_y):
            dealt += 1  # a new multiplication: never reuse a triple
            rows = charts.beaver_walkthrough(choose_x.value, choose_y.value, seed=dealt)
        charts.update_beaver(figure, rows, choose_step.value)
        return charts.beaver_caption(
            rows, choose_step.value, choose_x.value, choose_y.value, triple=dealt
        )

    return Demo(
        [choose_step, choose_x, choose_y, again], figure, redraw, title="Beaver multiplication"
    )


# Every demo of this lesson, by name (the tests and benchmarks sweep them all).
DEMOS = {
    "shares": shares_demo,
    "class_average": class_average_demo,
    "shamir": shamir_demo,
    "beaver": beaver_demo,
    "cost": cost_demo,
}
