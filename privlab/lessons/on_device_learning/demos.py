"""Interactive demos for lesson 05: on-device learning.

Each function returns a :class:`~privlab.lessons.kit.demo.Demo`: display it as
the last line of a cell.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from privlab.errors import NotEnoughSharesError
from privlab.fl.attacks import invert_update, reconstruction_error
from privlab.fl.digits import (
    label_counts,
    load_digits,
    split_dirichlet,
    split_iid,
    train_test_split,
)
from privlab.fl.dp import clip_update, dp_fedavg_epsilon, noisy_sum
from privlab.fl.fedavg import fedavg, local_sgd
from privlab.fl.model import SIZE, accuracy, initial_parameters
from privlab.fl.secagg import secure_aggregate
from privlab.lessons.kit.demo import Demo, one_of, selection_slider
from privlab.lessons.on_device_learning import figures as charts

_DEVICE_COUNTS = (10, 20, 50, 100)
_ALPHAS = (math.inf, 10.0, 1.0, 0.3, 0.1)  # infinity: the IID split
_ROUND_COUNTS = (10, 20, 40)
_FRACTIONS = (0.1, 0.2, 0.5, 1.0)
_EPOCHS = (1, 2, 5)
_BATCH_SIZES = (1, 2, 4, 8)
MULTIPLIERS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)
CLIP = 1.0  # the clipping norm of the inversion and trade-off demos
_DELTA = 1e-5
SEED = 5


def _named_slider(description: str, options: list[tuple[str, Any]], value: Any) -> Any:
    return widgets.SelectionSlider(
        description=description,
        options=options,
        value=value,
        continuous_update=False,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="380px"),
    )


def _alpha_slider(value: float) -> widgets.SelectionSlider:
    return _named_slider("label mix α", [(_mix(a, "{:g}"), a) for a in _ALPHAS], value)


def _mix(alpha: float, fmt: str = "α = {:g}") -> str:
    return "IID" if math.isinf(alpha) else fmt.format(alpha)


def _split(labels: np.ndarray, devices: int, alpha: float) -> list[np.ndarray]:
    if math.isinf(alpha):
        return split_iid(labels, devices, rng=SEED)
    return split_dirichlet(labels, devices, alpha, rng=SEED)


def _data() -> dict[str, np.ndarray]:
    images, labels = load_digits()
    train, test = train_test_split(labels, rng=0)
    return {
        "images": images[train],
        "labels": labels[train],
        "test_images": images[test],
        "test_labels": labels[test],
    }


# --------------------------------------------------------------------------
# 1. The phones
# --------------------------------------------------------------------------


def phones_demo(devices: int = 20, alpha: float = 0.3) -> Demo:
    """The training digits spread over phones: the same mix on each (IID) or skewed."""
    one_of("devices", devices, _DEVICE_COUNTS)
    one_of("alpha", alpha, _ALPHAS)
    data = _data()
    choose_devices = selection_slider("phones", _DEVICE_COUNTS, devices)
    choose_alpha = _alpha_slider(alpha)

    def state() -> tuple[np.ndarray, str]:
        parts = _split(data["labels"], choose_devices.value, choose_alpha.value)
        counts = label_counts(data["labels"], parts)
        mix = _mix(choose_alpha.value)
        return counts, f"{choose_devices.value} phones, {mix}: which digits each phone holds"

    counts, title = state()
    figure = charts.phones_figure(counts, title)

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        counts, title = state()
        charts.update_phones(figure, counts, title)
        top = counts.max(axis=1) / counts.sum(axis=1)
        digits_held = (counts > 0).sum(axis=1)
        iid = label_counts(
            data["labels"], split_iid(data["labels"], choose_devices.value, rng=SEED)
        )
        iid_top = (iid.max(axis=1) / iid.sum(axis=1)).mean()
        return (
            f"{choose_devices.value} phones hold {int(counts.sum()):,} training images, "
            f"{int(counts.sum(axis=1).min())} to {int(counts.sum(axis=1).max())} each. On an "
            f"average phone the most common digit makes up {top.mean():.0%} of its images, "
            f"against {iid_top:.0%} when the same phones get an IID split (with so few images "
            f"per phone, even a fair deal is a little uneven), and a phone holds "
            f"{digits_held.mean():.1f} of the 10 digits. Smaller α: each phone sees fewer "
            "digits, as a real phone sees only its owner's handwriting and habits."
        )

    return Demo([choose_devices, choose_alpha], figure, redraw, title="The phones and their data")


# --------------------------------------------------------------------------
# 2. Training: federated against centralised against each phone alone
# --------------------------------------------------------------------------


def _train_all(
    data: dict[str, np.ndarray], settings: dict[str, Any], progress: Any, run: int
) -> dict:
    """Test accuracy per round: FedAvg, centralised SGD, and each phone alone (mean).

    ``run`` numbers the training runs: each draws its own picks and shuffles.
    """
    parts = _split(data["labels"], settings["devices"], settings["alpha"])
    test = (data["test_images"], data["test_labels"])
    rounds, epochs = settings["rounds"], settings["epochs"]
    steps = 3 * rounds

    def tick(done: int) -> None:
        progress.value = int(100 * done / steps)

    result = fedavg(
        data["images"], data["labels"], parts, rounds=rounds, fraction=settings["fraction"],
        local_epochs=epochs, test=test, progress=lambda number, _rounds: tick(number),
        rng=np.random.default_rng([SEED, run]),
    )  # fmt: skip
    theta, central = initial_parameters(), []
    generator = np.random.default_rng([SEED, run])
    for number in range(rounds):
        theta = local_sgd(theta, data["images"], data["labels"], epochs=epochs, rng=generator)
        central.append(accuracy(theta, *test))
        tick(rounds + number + 1)
    thetas = [initial_parameters() for _ in parts]
    alone = []
    for number in range(rounds):
        for device, rows in enumerate(parts):
            thetas[device] = local_sgd(
                thetas[device], data["images"][rows], data["labels"][rows], epochs=epochs,
                rng=generator,
            )  # fmt: skip
        alone.append(np.mean([accuracy(theta, *test) for theta in thetas]))
        tick(2 * rounds + number + 1)
    curves = (result.accuracies, np.array(central), np.array(alone))
    return dict(zip(charts.CURVES, curves, strict=True))


def training_demo(devices: int = 20, alpha: float = 0.3) -> Demo:
    """Train by FedAvg, on one server, and on each phone alone; compare test accuracy."""
    one_of("devices", devices, _DEVICE_COUNTS)
    one_of("alpha", alpha, _ALPHAS)
    data = _data()
    controls = {
        "devices": selection_slider("phones", _DEVICE_COUNTS, devices),
        "alpha": _alpha_slider(alpha),
        "rounds": selection_slider("rounds", _ROUND_COUNTS, 20),
        "fraction": selection_slider("share of phones per round", _FRACTIONS, 0.2),
        "epochs": selection_slider("local epochs", _EPOCHS, 1),
    }
    train = widgets.Button(description="Train", icon="play", button_style="primary")
    progress = widgets.IntProgress(
        min=0, max=100, description="training", layout={"width": "380px"}
    )

    def settings() -> dict[str, Any]:
        return {name: control.value for name, control in controls.items()}

    def describe(values: dict[str, Any]) -> str:
        return (
            f"{values['devices']} phones ({_mix(values['alpha'])}), {values['rounds']} rounds, "
            f"{values['fraction']:.0%} of phones per round, {values['epochs']} local "
            f"epoch{'s' if values['epochs'] > 1 else ''}"
        )

    def short(values: dict[str, Any]) -> str:
        return (
            f"{values['devices']} phones, {_mix(values['alpha'])}, {values['fraction']:.0%} per "
            f"round, {values['rounds']} rounds × {values['epochs']} "
            f"epoch{'s' if values['epochs'] > 1 else ''}"
        )

    trained = {"settings": settings(), "run": 1}
    trained["curves"] = _train_all(data, trained["settings"], progress, 1)
    figure = charts.training_figure(trained["curves"], f"Test accuracy, run 1: {short(settings())}")

    def redraw(figure: go.Figure, trigger: widgets.Widget | None) -> str:
        if trigger is train:
            trained["run"] += 1
            trained["settings"] = settings()
            trained["curves"] = _train_all(data, trained["settings"], progress, trained["run"])
        stale = settings() != trained["settings"]
        title = (
            f"New settings ({short(settings())}): press Train"
            if stale
            else f"Test accuracy, run {trained['run']}: {short(settings())}"
        )
        charts.update_training(figure, trained["curves"], title, stale=stale)
        if stale:
            return (
                f"New settings: {describe(settings())}. Press <b>Train</b> to run them; the "
                "grey curves are from the last run."
            )
        final = {name: curve[-1] for name, curve in trained["curves"].items()}
        fed, central, alone = (final[name] for name in charts.CURVES)
        return (
            f"Run {trained['run']}. After {len(trained['curves'][charts.CURVES[0]])} rounds, "
            "federated averaging "
            f"reaches {fed:.1%} test accuracy, training on all the data in one place "
            f"{central:.1%}, and a phone training alone {alone:.1%} on average. FedAvg learns "
            "from every phone without collecting a single image; a skewed label mix (small α) "
            "slows it down. Runs differ by a few points: press Train again to see the spread."
        )

    inputs = [*controls.values(), train]
    return Demo(inputs, figure, redraw, title="Training on the phones", extras=[progress])


# --------------------------------------------------------------------------
# 3. The inversion attack and the defences
# --------------------------------------------------------------------------

_DEFENCE_NOISE = {"none": None, "clip": 0.0, "clip + noise z = 0.1": 0.1,
                  "clip + noise z = 0.5": 0.5, "clip + noise z = 1": 1.0}  # fmt: skip
_DEFENCES = tuple(_DEFENCE_NOISE)


def inversion_demo(digit: int = 3, batch_size: int = 1, defence: str = "none") -> Demo:
    """Rebuild a phone's image from its update; a batch blends images, only noise stops it."""
    one_of("digit", digit, tuple(range(10)))
    one_of("batch_size", batch_size, _BATCH_SIZES)
    one_of("defence", defence, _DEFENCES)
    images, labels = load_digits()
    first = {d: int(np.flatnonzero(labels == d)[0]) for d in range(10)}
    choose_digit = selection_slider("the phone's image", tuple(range(10)), digit, fmt="a {}")
    choose_batch = selection_slider("images in the update", _BATCH_SIZES, batch_size)
    choose_defence = _named_slider("defence", [(name, name) for name in _DEFENCES], defence)

    def state() -> dict[str, Any]:
        row = first[choose_digit.value]
        rows = [row, *range(row + 1, row + choose_batch.value)]
        theta = initial_parameters()
        update = local_sgd(theta, images[rows], labels[rows], batch_size=len(rows), rng=0) - theta
        z = _DEFENCE_NOISE[choose_defence.value]
        if z is not None:
            update = clip_update(update, CLIP)
            if z:
                noise_rng = np.random.default_rng([SEED, row, len(rows)])
                update = update + noise_rng.normal(0.0, z * CLIP, SIZE)
        rebuilt, label = invert_update(update)
        return {"original": images[row], "label": int(labels[row]), "update": update,
                "rebuilt": rebuilt, "guess": label,
                "error": reconstruction_error(rebuilt, images[row]), "z": z}  # fmt: skip

    current = state()
    figure = charts.inversion_figure(current["original"], current["update"], current["rebuilt"])

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        s = state()
        title = f"Inversion: error {s['error']:.3f} per pixel, label guessed {s['guess']}"
        charts.update_inversion(figure, s["original"], s["update"], s["rebuilt"], title)
        batch = choose_batch.value
        right = "right" if s["guess"] == s["label"] else f"wrong: it was a {s['label']}"
        if s["z"] is None:
            what = "the raw update"
        elif s["z"] == 0:
            what = f"the update clipped to norm {CLIP:g}"
        else:
            what = (
                f"the update clipped to norm {CLIP:g}, plus Gaussian noise of standard "
                f"deviation {s['z']:g} × {CLIP:g} on every entry"
            )
        verdict = (
            "The image comes back exactly: each row of the update is the image times one number."
            if s["error"] < 1e-9
            else (
                "With several images, the server gets a blend of them."
                if s["z"] is None or s["z"] == 0
                else "The noise buries the image."
            )
        )
        return (
            f"The server receives {what}, computed on {batch} image{'s' if batch > 1 else ''}. "
            f"Dividing a row of the weight update by the matching bias entry rebuilds a picture "
            f"with an error of {s['error']:.3f} per pixel (pixels run from 0 to 1), and the odd "
            f"sign in the bias guesses the label {s['guess']} ({right}). {verdict}"
        )

    return Demo(
        [choose_digit, choose_batch, choose_defence], figure, redraw, title="Rebuilding an image"
    )


# --------------------------------------------------------------------------
# 4. Privacy against accuracy: DP-FedAvg's noise multiplier
# --------------------------------------------------------------------------

_TRADEOFF = {"devices": 100, "fraction": 0.3, "rounds": 30}
MECHANISM = "noise N(0, (zC)²) added once to each round's sum"
_TARGETS = tuple(range(10))  # the attacked images: a phone that holds just one of them


def _attack_errors(
    data: dict[str, np.ndarray], parts: list[np.ndarray], multipliers: tuple[float, ...]
) -> np.ndarray:
    """The mean error per pixel, for each ``z``, of an attacker who knows every other update.

    One round's noisy sum (:func:`~privlab.fl.dp.noisy_sum`) of a one-image
    phone and the other phones of a round; the attacker subtracts the others
    and inverts what is left.
    """
    theta = initial_parameters()
    others = [
        clip_update(
            local_sgd(theta, data["images"][rows], data["labels"][rows], rng=SEED) - theta, CLIP
        )
        for rows in parts[: round(_TRADEOFF["fraction"] * _TRADEOFF["devices"]) - 1]
    ]
    known = np.sum(others, axis=0)  # what the attacker subtracts
    errors = []
    for z in multipliers:
        rebuilt_errors = []
        for row in _TARGETS:
            target = local_sgd(theta, data["images"][[row]], data["labels"][[row]], rng=0) - theta
            updates = np.array([*others, target])
            if z == 0:  # clipping only: the plain sum of the clipped updates
                released = np.sum([*others, clip_update(target, CLIP)], axis=0)
            else:
                noise_rng = np.random.default_rng([SEED, round(100 * z), row])
                released = noisy_sum(updates, clip_norm=CLIP, noise_multiplier=z, rng=noise_rng)
            rebuilt, _ = invert_update(released - known)
            rebuilt_errors.append(reconstruction_error(rebuilt, data["images"][row]))
        errors.append(float(np.mean(rebuilt_errors)))
    return np.array(errors)


def tradeoff_demo(noise_multiplier: float = 1.0) -> Demo:
    """DP-FedAvg: the noise multiplier z against model accuracy, the attack's error and ε.

    Every curve is about one mechanism, DP-FedAvg's noise added once to each
    round's sum of clipped updates.
    """
    one_of("noise_multiplier", noise_multiplier, MULTIPLIERS)
    data = _data()
    parts = split_iid(data["labels"], _TRADEOFF["devices"], rng=SEED)
    test = (data["test_images"], data["test_labels"])
    rounds, rate = _TRADEOFF["rounds"], _TRADEOFF["fraction"]
    accuracies, epsilons = [], []
    for z in MULTIPLIERS:
        result = fedavg(
            data["images"], data["labels"], parts, rounds=rounds, fraction=rate, clip_norm=CLIP,
            noise_multiplier=z, test=test, rng=SEED,
        )  # fmt: skip
        accuracies.append(result.accuracies[-1])
        epsilons.append(
            dp_fedavg_epsilon(rounds=rounds, sampling_rate=rate, noise_multiplier=z, delta=_DELTA)
            if z
            else math.inf
        )
    errors = _attack_errors(data, parts, MULTIPLIERS)
    z_values = np.array(MULTIPLIERS)
    average = data["images"].mean(axis=0)
    baseline = float(np.mean([reconstruction_error(average, image) for image in data["images"]]))
    # The smallest z at which the attack does no better than guessing the average digit.
    failing = next((i for i, error in enumerate(errors) if error > baseline), None)
    choose = selection_slider("noise multiplier z", MULTIPLIERS, noise_multiplier)

    def epsilon_text(index: int) -> str:
        eps = epsilons[index]
        return "∞" if math.isinf(eps) else f"{eps:.3g}"

    def title() -> str:
        index = MULTIPLIERS.index(choose.value)
        return (
            f"z = {choose.value:g}: ε = {epsilon_text(index)} (δ = 1e-5)<br>"
            f"Every curve: {MECHANISM} (C = {CLIP:g})"
        )

    index = MULTIPLIERS.index(choose.value)
    figure = charts.tradeoff_figure(
        z_values, np.array(accuracies), errors, index, title(), baseline=baseline
    )

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        index = MULTIPLIERS.index(choose.value)
        charts.update_tradeoff(figure, z_values, np.array(accuracies), errors, index, title())
        eps = epsilons[index]
        privacy = (
            "no privacy guarantee at all (clipping alone keeps the image recoverable)"
            if math.isinf(eps)
            else f"ε = {eps:.3g} at δ = 1e-5 for each phone over the {_TRADEOFF['rounds']} rounds"
        )
        fails = (
            f"The attack already fails at z = {MULTIPLIERS[failing]:g}, where ε is "
            f"{epsilon_text(failing)}: an attack that fails is not a guarantee. "
            if failing is not None
            else ""
        )
        return (
            f"All three numbers are for one mechanism: DP-FedAvg's {MECHANISM}, with C = "
            f"{CLIP:g}. With z = {choose.value:g}, {_TRADEOFF['devices']} phones (an IID split, "
            f"each update weighted equally), {_TRADEOFF['fraction']:.0%} of them per round: the "
            f"model trained on the noisy sums reaches {accuracies[index]:.1%} test accuracy; an "
            "attacker who knows every other phone's update in a round (the worst case ε covers, "
            "such as a server that runs the other phones) subtracts them from the noisy sum and "
            f"rebuilds a one-image phone's picture with an error of {errors[index]:.2f} per pixel "
            f"(guessing the average digit: {baseline:.2f}); and the accountant gives {privacy}. "
            f"{fails}With only 100 phones, a small ε costs a lot of accuracy; with millions of "
            "phones per round the same noise is small against the sum."
        )

    return Demo([choose], figure, redraw, title="Privacy against accuracy")


# --------------------------------------------------------------------------
# 5. Secure aggregation
# --------------------------------------------------------------------------

_PHONES = 8
_ENTRIES = 24


def secagg_demo(dropped: int = 1, threshold: int = 5) -> Demo:
    """Masked updates that look like noise, an exact sum, and dropouts up to the threshold."""
    one_of("dropped", dropped, tuple(range(_PHONES - 1)))
    one_of("threshold", threshold, tuple(range(2, _PHONES + 1)))
    data = _data()
    parts = split_iid(data["labels"], _PHONES, rng=SEED)
    theta = initial_parameters()
    full = np.array([
        local_sgd(theta, data["images"][rows], data["labels"][rows], rng=SEED) - theta
        for rows in parts
    ])  # fmt: skip
    entries = np.argsort(full.var(axis=0))[-_ENTRIES:]  # the entries that vary most
    updates = full[:, np.sort(entries)]
    choose_dropped = selection_slider("phones that drop out", tuple(range(_PHONES - 1)), dropped)
    choose_threshold = selection_slider("threshold t", tuple(range(2, _PHONES + 1)), threshold)
    cache: dict[tuple[int, int], dict[str, Any]] = {}

    def state() -> dict[str, Any]:
        key = (choose_dropped.value, choose_threshold.value)
        if key not in cache:
            gone = tuple(range(_PHONES - key[0], _PHONES))  # the last phones drop
            survivors = [u for u in range(_PHONES) if u not in gone]
            plain = updates[survivors].sum(axis=0)
            s = cache[key] = {"plain": plain, "gone": gone, "secure": None, "error": None}
            try:
                result = secure_aggregate(updates, threshold=key[1], dropped=gone, rng=SEED)
                s.update(secure=result.total, stats=result.stats)
            except NotEnoughSharesError as error:
                # The survivors' masked vectors do not depend on the threshold (the same
                # keys and seeds): the run with t = 2 shows what the server holds.
                result = secure_aggregate(updates, threshold=2, dropped=gone, rng=SEED)
                s.update(error=str(error), stats=None)
            s["masked"] = [[None] * _ENTRIES for _ in range(_PHONES)]  # None: sent nothing
            for device, vector in result.masked.items():
                s["masked"][device] = (vector / 2.0**32).tolist()
        return cache[key]

    def title(s: dict[str, Any]) -> str:
        if s["error"]:
            return f"{len(s['gone'])} dropped, t = {choose_threshold.value}: the sum is lost"
        return (
            f"{len(s['gone'])} dropped, t = {choose_threshold.value}: the sum is exact "
            "(to the fixed-point step)"
        )

    first = state()
    figure = charts.secagg_figure(
        updates, first["masked"], first["plain"], first["secure"], title(first)
    )

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        s = state()
        charts.update_secagg(figure, updates, s["masked"], s["plain"], s["secure"], title(s))
        survivors = _PHONES - len(s["gone"])
        if s["error"]:
            return (
                f"Only {survivors} phones are left to send shares, fewer than the threshold "
                f"{choose_threshold.value}: the server cannot rebuild the dropped phones' masks, "
                "so the masks stay on. The sum is lost for this round, and nothing is revealed: "
                "each vector the server holds still looks like random numbers."
            )
        gap = float(np.abs(s["secure"] - s["plain"]).max())
        gone = len(s["gone"])
        removed = (
            "No phone dropped out, so every pairwise mask cancelled in the sum"
            if gone == 0
            else f"The survivors' shares let the server remove the masks of the {gone} "
            f"phone{'s' if gone > 1 else ''} that dropped out"
        )
        weak = (
            f" A threshold of {choose_threshold.value} is at most half the phones: then a "
            "server that lies about who dropped out could collect both kinds of shares for a "
            "phone, even with no phone on its side (the lie works while 2 x threshold is at "
            "most the phones plus the colluders)."
            if 2 * choose_threshold.value <= _PHONES
            else ""
        )
        return (
            f"The server received {survivors} masked vectors: uniform random numbers, whatever "
            f"the updates (middle). {removed}, and the sum matches the plain one to {gap:.1e}, "
            f"the fixed-point step of 2⁻¹⁶ per phone. The protocol cost "
            f"{s['stats']['messages']} messages and {s['stats']['bytes']:,} bytes: every phone "
            f"sends a share to every other, so the count grows with the square of the phones. "
            f"Any {choose_threshold.value} phones can rebuild a dropped phone's masks; fewer "
            f"learn nothing.{weak}"
        )

    return Demo([choose_dropped, choose_threshold], figure, redraw, title="Secure aggregation")


__all__ = ["inversion_demo", "phones_demo", "secagg_demo", "tradeoff_demo", "training_demo"]


# Every demo of this lesson, by name (the tests and benchmarks sweep them all).
DEMOS = {
    "phones": phones_demo,
    "training": training_demo,
    "inversion": inversion_demo,
    "secagg": secagg_demo,
    "tradeoff": tradeoff_demo,
}
