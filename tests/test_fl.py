"""Lesson 05's core: the digits, softmax regression, FedAvg and the inversion attack."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privlab import InvalidParameterError
from privlab.fl.attacks import invert_update, reconstruction_error
from privlab.fl.digits import (
    DIGITS_FILE,
    label_counts,
    load_digits,
    split_dirichlet,
    split_iid,
    train_test_split,
)
from privlab.fl.fedavg import fedavg, local_sgd
from privlab.fl.model import SIZE, accuracy, gradients, initial_parameters, loss, unpack

IMAGES, LABELS = load_digits()


# --- the data --------------------------------------------------------------------------------


def test_the_digits_file_is_the_uci_test_set():
    from privlab.fl import digits

    data = (digits._DATA / DIGITS_FILE).read_bytes()
    assert hashlib.sha256(data).hexdigest().startswith("09f66e6debdee2cd")
    assert IMAGES.shape == (1797, 64) and LABELS.shape == (1797,)
    assert np.bincount(LABELS).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert IMAGES.min() == 0 and IMAGES.max() == 1
    readme = (digits._DATA / "README.md").read_text(encoding="utf-8")
    assert DIGITS_FILE in readme and "CC BY 4.0" in readme


def test_splits_cover_every_example_once():
    for parts in (split_iid(LABELS, 37, rng=1), split_dirichlet(LABELS, 37, 0.3, rng=1)):
        rows = np.concatenate(parts)
        assert np.array_equal(np.sort(rows), np.arange(LABELS.size))
    train, test = train_test_split(LABELS, rng=2)
    assert len(set(train) & set(test)) == 0 and train.size + test.size == LABELS.size


def label_skew(parts) -> float:
    """Mean over devices of the share of the device's examples in its most common label."""
    counts = label_counts(LABELS, parts)
    return float(np.mean(counts.max(axis=1) / counts.sum(axis=1)))


def test_small_alpha_skews_labels_and_large_alpha_does_not():
    iid = label_skew(split_iid(LABELS, 20, rng=3))
    assert label_skew(split_dirichlet(LABELS, 20, 0.1, rng=3)) > 0.5  # mostly one digit
    assert abs(label_skew(split_dirichlet(LABELS, 20, 1000.0, rng=3)) - iid) < 0.05
    assert iid < 0.25


# --- the model -------------------------------------------------------------------------------


def finite_difference_gradient(theta, images, labels, step=1e-6):
    grad = np.zeros_like(theta)
    for index in range(theta.size):
        bump = np.zeros_like(theta)
        bump[index] = step
        grad[index] = (loss(theta + bump, images, labels) - loss(theta - bump, images, labels)) / (
            2 * step
        )
    return grad


def matches_finite_differences(gradient_function) -> bool:
    rng = np.random.default_rng(5)
    theta = rng.normal(0, 0.3, SIZE)
    rows = rng.choice(LABELS.size, 7, replace=False)
    numeric = finite_difference_gradient(theta, IMAGES[rows], LABELS[rows])
    analytic = gradient_function(theta, IMAGES[rows], LABELS[rows])
    return np.allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_gradients_match_finite_differences():
    assert matches_finite_differences(gradients)


def test_a_gradient_without_the_batch_mean_fails_the_check():
    assert not matches_finite_differences(lambda t, x, y: gradients(t, x, y) * len(y))


def test_softmax_regression_learns_the_digits():
    train, test = train_test_split(LABELS, rng=0)
    theta = local_sgd(initial_parameters(), IMAGES[train], LABELS[train], epochs=5, rng=0)
    assert accuracy(theta, IMAGES[test], LABELS[test]) > 0.93


# --- FedAvg ----------------------------------------------------------------------------------


def test_fedavg_with_one_device_and_everyone_taking_part_is_centralised_sgd():
    train, _ = train_test_split(LABELS, rng=0)
    images, labels = IMAGES[train], LABELS[train]
    result = fedavg(images, labels, [np.arange(labels.size)], rounds=4, fraction=1.0, rng=9)
    central = local_sgd(initial_parameters(), images, labels, epochs=4, rng=9)
    assert np.allclose(result.theta, central, rtol=0, atol=1e-12)


def test_fedavg_averages_updates_weighted_by_examples():
    parts = [np.arange(0, 30), np.arange(30, 40)]
    result = fedavg(IMAGES, LABELS, parts, rounds=1, fraction=1.0, rng=1)
    (only,) = result.rounds
    expected = 0.75 * only.updates[0] + 0.25 * only.updates[1]
    assert np.allclose(result.theta, expected, atol=1e-15)
    assert only.examples == {0: 30, 1: 10}


def test_dropped_devices_send_nothing_and_the_server_sees_every_update():
    parts = split_iid(LABELS, 50, rng=4)
    result = fedavg(IMAGES, LABELS, parts, rounds=5, fraction=0.4, dropout=0.5, rng=4)
    for round_ in result.rounds:
        assert len(round_.picked) == 20
        assert set(round_.updates) | set(round_.dropped) == set(round_.picked)
        assert not set(round_.updates) & set(round_.dropped)
    dropped = sum(len(r.dropped) for r in result.rounds)
    assert 30 < dropped < 70  # about half of 100


def test_non_iid_devices_train_worse_than_iid_ones():
    train, test = train_test_split(LABELS, rng=0)
    scores = {}
    for name, parts in (
        ("iid", split_iid(LABELS[train], 50, rng=1)),
        ("skewed", split_dirichlet(LABELS[train], 50, 0.05, rng=1)),
    ):
        result = fedavg(
            IMAGES[train], LABELS[train], parts, rounds=10, fraction=0.2, local_epochs=5,
            test=(IMAGES[test], LABELS[test]), rng=2,
        )  # fmt: skip
        scores[name] = result.accuracies[-1]
    assert scores["iid"] > scores["skewed"] + 0.02


# --- the inversion attack --------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(st.integers(0, LABELS.size - 1), st.integers(1, 5), st.floats(0.01, 2.0))
def test_one_example_update_gives_the_image_back_exactly(row, epochs, learning_rate):
    theta = initial_parameters()
    update = (
        local_sgd(theta, IMAGES[[row]], LABELS[[row]], epochs=epochs,
                  learning_rate=learning_rate, rng=0) - theta
    )  # fmt: skip
    image, label = invert_update(update)
    assert label == LABELS[row]
    assert reconstruction_error(image, IMAGES[row]) < 1e-12


def clipped(update, norm):
    return update * min(1.0, norm / np.linalg.norm(update))


def test_clipping_keeps_the_attack_and_noise_stops_it():
    theta, row = initial_parameters(), 10
    update = local_sgd(theta, IMAGES[[row]], LABELS[[row]], rng=0) - theta
    image, _ = invert_update(clipped(update, 0.1))
    assert reconstruction_error(image, IMAGES[row]) < 1e-12  # clipping: still exact
    noise = np.random.default_rng(1).normal(0, 1.0 * 0.1, SIZE)  # z = 1, C = 0.1
    image, _ = invert_update(clipped(update, 0.1) + noise)
    assert reconstruction_error(image, IMAGES[row]) > 0.3  # pixels are in [0, 1]


def test_a_batch_gives_a_mixture():
    theta, rows = initial_parameters(), [0, 1]
    update = local_sgd(theta, IMAGES[rows], LABELS[rows], batch_size=2, rng=0) - theta
    image, _ = invert_update(update)
    assert min(reconstruction_error(image, IMAGES[row]) for row in rows) > 0.05


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: split_dirichlet(LABELS, 10, 0.0), "alpha"),
        (lambda: split_dirichlet(LABELS, 10, -1.0), "alpha"),
        (lambda: split_iid(LABELS[:5], 6), "devices must be at most the number of examples"),
        (lambda: fedavg(IMAGES, LABELS, [np.arange(10)], fraction=0.0), "fraction"),
        (lambda: fedavg(IMAGES, LABELS, [np.arange(10)], fraction=1.5), "fraction"),
        (lambda: fedavg(IMAGES, LABELS, [np.arange(10)], dropout=1.0), "dropout"),
        (lambda: fedavg(IMAGES, LABELS, [np.arange(10)], rounds=0), "rounds"),
        (lambda: fedavg(IMAGES, LABELS, [], rounds=1), "parts"),
        (lambda: fedavg(IMAGES, LABELS, [np.array([5000])]), r"parts\[0\]"),
        (lambda: local_sgd(initial_parameters(), IMAGES, LABELS, learning_rate=0), "learning_rate"),
        (lambda: gradients(np.zeros(5), IMAGES[:1], LABELS[:1]), "theta"),
        (lambda: gradients(initial_parameters(), IMAGES[:2], [1, 12]), "labels"),
        (lambda: invert_update(np.zeros(SIZE)), "update"),
        (lambda: unpack([1.0, np.nan] * 325), "theta"),
    ],
)
def test_bad_parameters_are_named(call, named):
    with pytest.raises(InvalidParameterError, match=named):
        call()


# --- DP-FedAvg inside fedavg ---------------------------------------------------------------------


def test_dp_fedavg_clips_every_update_the_server_receives():
    parts = split_iid(LABELS, 40, rng=5)
    result = fedavg(
        IMAGES, LABELS, parts, rounds=3, fraction=0.5, clip_norm=0.2, noise_multiplier=1.0, rng=5
    )
    norms = [np.linalg.norm(u) for r in result.rounds for u in r.updates.values()]
    assert norms and max(norms) <= 0.2 + 1e-12
    sizes = [len(r.picked) for r in result.rounds]
    assert len(set(sizes)) > 1 or sizes[0] != 20  # Poisson sampling: the count varies


def test_dp_fedavg_noise_has_the_stated_spread():
    # With q so small that nobody is picked, one round releases the noise alone:
    # N(0, (zC)^2) per coordinate, divided by the expected number of devices qN.
    parts = split_iid(LABELS, 10, rng=6)
    q, z, c = 1e-9, 2.0, 0.5
    result = fedavg(IMAGES, LABELS, parts, rounds=1, fraction=q, clip_norm=c,
                    noise_multiplier=z, rng=6)  # fmt: skip
    assert result.rounds[0].picked == ()
    expected_sd = z * c / (q * 10)
    sd = result.theta.std()
    assert abs(sd / expected_sd - 1) < 5 / np.sqrt(2 * SIZE)  # 5 standard errors


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"noise_multiplier": 1.0}, "noise_multiplier needs clip_norm"),
        ({"clip_norm": 1.0, "noise_multiplier": -1.0}, "noise_multiplier"),
        ({"clip_norm": 0.0}, "clip_norm"),
        ({"clip_norm": 1.0, "aggregate": lambda u, n: 0}, "aggregate"),
    ],
)
def test_bad_dp_options_are_named(options, named):
    with pytest.raises(InvalidParameterError, match=named):
        fedavg(IMAGES, LABELS, [np.arange(10)], rounds=1, **options)


# --- secure aggregation inside fedavg --------------------------------------------------------


def test_fedavg_through_secure_aggregation_matches_plain_fedavg():
    from privlab.fl.fedavg import SecureWeightedMean

    parts = split_iid(LABELS, 12, rng=7)
    plain = fedavg(IMAGES, LABELS, parts, rounds=3, fraction=0.5, rng=7)
    secure = fedavg(
        IMAGES, LABELS, parts, rounds=3, fraction=0.5, aggregate=SecureWeightedMean(rng=1), rng=7
    )
    # Fixed point: 2^-16 per device and entry, a few rounds of it.
    assert np.abs(plain.theta - secure.theta).max() < 1e-5
    for round_ in secure.rounds:
        assert set(round_.masked) == set(round_.updates)
        assert all(vector.dtype == np.uint64 for vector in round_.masked.values())
    assert all(r.masked is None for r in plain.rounds)


def test_secure_aggregation_needs_two_devices_a_round():
    from privlab.fl.fedavg import SecureWeightedMean

    with pytest.raises(InvalidParameterError, match="at least 2 devices"):
        fedavg(IMAGES, LABELS, split_iid(LABELS, 10, rng=1), rounds=1, fraction=0.1,
               aggregate=SecureWeightedMean(rng=1), rng=1)  # fmt: skip


# --- validation at the door only -------------------------------------------------------------


@pytest.mark.parametrize("options", [{}, {"clip_norm": 0.5, "noise_multiplier": 1.0}])
def test_fedavg_checks_its_arguments_once_and_its_inner_calls_never(monkeypatch, options):
    from privlab.fl import dp, model
    from privlab.fl import fedavg as fedavg_module

    inner = [
        fedavg_module.local_sgd, fedavg_module.weighted_mean, model.gradients, model.accuracy,
        dp.clip_update, dp.dp_fedavg_average, dp.noisy_sum,
    ]  # fmt: skip
    seen = []
    for function in [fedavg, *inner]:
        for name, check in list(function.checks.items()):

            def counted(parameter, value, check=check, where=function.__name__):
                seen.append(where)
                return check(parameter, value)

            monkeypatch.setitem(function.checks, name, counted)
    parts = split_iid(LABELS, 10, rng=1)
    fedavg(IMAGES, LABELS, parts, rounds=3, fraction=0.5, test=(IMAGES, LABELS), rng=1, **options)
    assert seen == ["fedavg"] * len(fedavg.checks)
