"""Tests of privlab.mpc protocols and the recording network.

* Outputs are exact: secure sums and means, Beaver products (wraparound
  modulo 2^64 included) and dot products, over inputs drawn by hypothesis.
* Views: what one party receives is statistically independent of the other
  parties' inputs (chi-square tests at a false-alarm rate of about 1e-6, fixed
  seeds), while a leaky protocol fails the same test; the output can be
  recomputed from one party's view and what it sent; views hold only that
  party's messages.
* Costs: ``protocol_cost`` matches what the network recorded.
* Every bad argument raises an error that names it.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_mpc_sharing import looks_uniform, same_distribution, top_bits, uniform_and_secret_free

from privlab import InvalidParameterError, MixedSharesError, NotEnoughSharesError, mpc

N = 100_000  # elements per statistical test
SEEDS = st.integers(0, 2**32 - 1)
INT64 = st.integers(mpc.MIN_INTEGER, mpc.MAX_INTEGER)
SMALL = st.integers(-(2**31), 2**31)  # products of two fit int64
NAMES = ["alice", "bob", "carol", "dave", "erin"]


def signed(value: int) -> int:
    """A whole number modulo 2**64, read as signed 64-bit (what decode does)."""
    value %= 2**64
    return value - 2**64 if value >= 2**63 else value


# --------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------


def test_network_records_rounds_messages_and_bytes():
    network = mpc.Network()
    alice, bob = network.join(mpc.Party("alice", 3)), network.join(mpc.Party("bob", 4))
    payload = np.array([1, 2, 3], dtype=np.uint64)
    alice.send(network, "bob", payload, "share of salary")
    payload[0] = 99  # changing it afterwards does not change what was sent
    assert network.next_round() == 2
    assert network.next_round() == 2  # no empty rounds
    bob.broadcast(network, ["alice", "bob", "carol"], 7, "partial sum")
    assert network.stats() == {"rounds": 2, "messages": 3, "bytes": 24 + 8 + 8}
    assert (network.rounds, network.message_count, network.bytes_sent) == (2, 3, 40)
    first = network.messages[0]
    assert (first.round, first.sender, first.receiver, first.label) == (
        1,
        "alice",
        "bob",
        "share of salary",
    )
    assert first.payload.tolist() == [1, 2, 3] and not first.payload.flags.writeable
    assert bob.inbox == [first] and bob.received("share of salary")[0].tolist() == [1, 2, 3]
    assert [m.label for m in alice.inbox] == ["partial sum"]
    assert [m.receiver for m in network.view("carol")] == ["carol"]  # recorded, no inbox
    assert "3" not in repr(alice) and "input hidden" in repr(alice)


def test_network_table_rows_shorten_values():
    network = mpc.Network()
    network.send("alice", "bob", np.uint64(2**64 - 1), "share of x")
    network.send("bob", "alice", np.arange(10), "vector")
    rows = network.table()
    assert rows[0] == {
        "round": 1,
        "from": "alice",
        "to": "bob",
        "label": "share of x",
        "value": "1844…615",
    }
    assert rows[1]["value"] == "[0, 1, 2, … (10 values)]"
    assert network.table("alice") == rows[1:]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda n: n.send("alice", "alice", 1, "x"), "receiver must be another party"),
        (lambda n: n.send("alice", "", 1, "x"), "receiver must be a party name"),
        (lambda n: n.send(3, "bob", 1, "x"), "sender must be a party name"),
        (lambda n: n.send("alice", "bob", 1, ""), "label must be a non-empty string"),
        (lambda n: n.send("alice", "bob", "secret", "x"), "payload must be a number"),
        (lambda n: n.send("alice", "bob", [[1], [2, 3]], "x"), "payload must be a number"),
        (lambda n: n.broadcast("alice", "bob", 1, "x"), "receivers must be a list"),
        (lambda n: n.join("alice"), "party must be a Party"),
        (lambda n: n.view(None), "party_name must be a party name"),
    ],
)
def test_network_errors_name_the_parameter(call, message):
    with pytest.raises(InvalidParameterError, match=message):
        call(mpc.Network())


def test_party_names_are_unique_on_a_network():
    network = mpc.Network([mpc.Party("alice")])
    with pytest.raises(InvalidParameterError, match="got 'alice' again"):
        network.join(mpc.Party("alice"))


# --------------------------------------------------------------------------
# Secure sum and mean: outputs
# --------------------------------------------------------------------------


@given(
    values=st.lists(st.integers(-(2**60), 2**60), min_size=2, max_size=5),
    seed=SEEDS,
)
def test_secure_sum_is_exact(values, seed):
    inputs = dict(zip(NAMES, values, strict=False))
    result = mpc.secure_sum(inputs, rng=seed)
    assert result.output == sum(values) and isinstance(result.output, int)
    assert result.parties == tuple(inputs)


@settings(max_examples=30)
@given(parties=st.integers(2, 5), length=st.integers(1, 30), seed=SEEDS)
def test_secure_sum_of_arrays_is_elementwise(parties, length, seed):
    rng = np.random.default_rng(seed)
    inputs = {name: rng.integers(-(2**60), 2**60, size=length) for name in NAMES[:parties]}
    result = mpc.secure_sum(inputs, rng=seed)
    assert np.array_equal(result.output, sum(inputs.values()))


def test_secure_sum_wraps_around_modulo_2_64():
    result = mpc.secure_sum({"alice": mpc.MAX_INTEGER, "bob": 1}, rng=0)
    assert result.output == mpc.MIN_INTEGER


@given(values=st.lists(st.floats(-1e9, 1e9), min_size=2, max_size=5), seed=SEEDS)
def test_secure_sum_and_mean_of_decimals(values, seed):
    inputs = dict(zip(NAMES, values, strict=False))
    steps = [round(v * 2**16) / 2**16 for v in values]  # each input rounded to fixed point
    total = mpc.secure_sum(inputs, fixed_point=True, rng=seed).output
    assert total == pytest.approx(sum(steps), abs=1e-9)
    mean = mpc.secure_mean(inputs, rng=seed)
    assert mean.output == pytest.approx(sum(steps) / len(values), abs=1e-9)
    assert mean.stats == mpc.protocol_cost("mean", len(values), 1)


def test_secure_mean_of_whole_numbers_and_arrays():
    result = mpc.secure_mean({"a": [1, 10], "b": [2, 20], "c": [4, 40]}, fixed_point=False, rng=0)
    assert np.allclose(result.output, [7 / 3, 70 / 3])


def test_class_average_with_cents():
    salaries = {"ana": 3150.25, "ben": 2890.50, "chloé": 4020.75}
    result = mpc.secure_mean(salaries)
    assert result.output == pytest.approx(np.mean(list(salaries.values())), abs=1e-4)
    assert {row["label"] for row in result.network.table()} == {"share of input", "partial sum"}


# --------------------------------------------------------------------------
# Secure sum: what each party sees
# --------------------------------------------------------------------------


def round_one_view(result: mpc.ProtocolResult, party: str) -> list[np.ndarray]:
    return [m.payload for m in result.network.view(party) if m.round == 1]


def leaky_sum(inputs: dict) -> mpc.ProtocolResult:
    """A broken "secure" sum: everyone sends its input, lightly masked, to everyone."""
    network = mpc.Network()
    rng = np.random.default_rng(0)
    for sender, value in inputs.items():
        masked = mpc.encode(value) + rng.integers(0, 2**20, size=np.shape(value), dtype=np.uint64)
        network.broadcast(sender, list(inputs), masked, "share of input")
    return mpc.ProtocolResult(None, network, tuple(inputs))


@pytest.mark.parametrize("protocol", ["secure", "leaky"])
def test_a_view_is_independent_of_the_other_inputs(protocol):
    quiet = {"alice": np.zeros(N, dtype=np.int64), "bob": np.zeros(N, dtype=np.int64)}
    quiet["carol"] = np.zeros(N, dtype=np.int64)
    loud = {
        "alice": np.zeros(N, dtype=np.int64),  # alice's own input is the same in both worlds
        "bob": np.full(N, mpc.MIN_INTEGER),
        "carol": np.full(N, 2**62 + 12345),
    }
    run = (lambda inputs: mpc.secure_sum(inputs, rng=5)) if protocol == "secure" else leaky_sum
    views = [round_one_view(run(inputs), "alice") for inputs in (quiet, loud)]
    independent = all(
        uniform_and_secret_free(a, b) for a, b in zip(views[0], views[1], strict=True)
    )
    assert independent == (protocol == "secure")


def test_the_output_can_be_recomputed_from_one_view():
    inputs = {"alice": [5, -7], "bob": [100, 3], "carol": [-1, 2**40]}
    result = mpc.secure_sum(inputs, rng=11)
    network = result.network
    for name in inputs:
        sent = [m.payload for m in network.messages if m.sender == name and m.round == 1]
        own_share = mpc.ring_subtract(mpc.encode(inputs[name]), mpc.ring_sum(sent))  # it kept
        received = [m.payload for m in network.view(name)]
        total = mpc.ring_sum([own_share, *received])
        assert np.array_equal(mpc.decode(total), result.output)
        assert np.array_equal(result.output, [104, 2**40 - 4])


def test_views_contain_only_the_party_s_own_messages():
    result = mpc.secure_sum({name: i for i, name in enumerate(NAMES)}, rng=0)
    network = result.network
    for name in NAMES:
        view = network.view(name)
        assert view and all(message.receiver == name for message in view)
        assert len(view) == 2 * (len(NAMES) - 1)  # one share and one partial sum from each other
    assert sum(len(network.view(name)) for name in NAMES) == network.message_count


def test_partial_sums_reveal_only_the_total():
    # The partial sums of two input sets with the same total look alike.
    first = {"alice": np.zeros(N, dtype=np.int64), "bob": np.full(N, 1000)}
    second = {"alice": np.full(N, 1000), "bob": np.zeros(N, dtype=np.int64)}
    partials = []
    for inputs, seed in ((first, 1), (second, 2)):
        result = mpc.secure_sum(inputs, rng=seed)
        partials.append(next(m.payload for m in result.network.view("alice") if m.round == 2))
    assert same_distribution(top_bits(partials[0]), top_bits(partials[1]), 256)
    assert looks_uniform(top_bits(partials[0]), 256)


# --------------------------------------------------------------------------
# Beaver multiplication
# --------------------------------------------------------------------------


@given(x=INT64, y=INT64, parties=st.integers(2, 4), seed=SEEDS)
def test_beaver_product_is_exact_modulo_2_64(x, y, parties, seed):
    generator = np.random.default_rng(seed)
    xs = mpc.share_additive(x, parties, rng=generator)
    ys = mpc.share_additive(y, parties, rng=generator)
    network = mpc.Network()
    zs = mpc.beaver_multiply(xs, ys, mpc.Dealer(), network, rng=generator)
    assert int(mpc.reconstruct_additive(zs)) == (x * y) % 2**64  # wraps when it overflows
    assert int(mpc.decode(mpc.reconstruct_additive(zs))) == signed(x * y)
    assert network.stats()["rounds"] == 2


@given(x=SMALL, y=SMALL, seed=SEEDS)
def test_secure_product_of_signed_numbers(x, y, seed):
    result = mpc.secure_product(x, y, rng=seed)
    assert result.output == x * y and isinstance(result.output, int)


def test_secure_product_wraps_around_and_works_on_arrays():
    big = 2**62 + 3
    result = mpc.secure_product([big, -5, 0], [4, 7, 9], parties=3, rng=1)
    assert result.output.tolist() == [signed(big * 4), -35, 0]
    assert result.stats == mpc.protocol_cost("product", 3, 3)


def test_secure_product_transcript_shows_every_step():
    result = mpc.secure_product(6, 7, rng=0)
    rows = result.network.table()
    by_round = {r: {row["label"] for row in rows if row["round"] == r} for r in (1, 2, 3)}
    assert by_round[1] == {
        "share of x",
        "share of y",
        "share of a (Beaver triple)",
        "share of b (Beaver triple)",
        "share of c = a·b (Beaver triple)",
    }
    assert by_round[2] == {"d = x − a (opened)", "e = y − b (opened)"}
    assert by_round[3] == {"x·y (opened)"}
    dealer_rows = [row for row in rows if row["from"] == "dealer"]
    assert len(dealer_rows) == 3 * 2 and {row["to"] for row in dealer_rows} == {
        "party 0",
        "party 1",
    }


def test_opened_differences_look_uniform_but_not_without_a_triple():
    zeros, halves = np.zeros(N, dtype=np.int64), np.full(N, mpc.MIN_INTEGER)

    def opened_d(x, dealer):
        network = mpc.Network()
        xs, ys = mpc.share_additive(x, 2, rng=1), mpc.share_additive(np.ones(N, np.int64), 2, rng=2)
        mpc.beaver_multiply(xs, ys, dealer, network, rng=3)
        label = "d = x − a (opened)"
        shares = [m.payload for m in network.messages if m.label == label]
        return mpc.ring_sum(shares)

    class LazyDealer(mpc.Dealer):
        """A broken dealer: a = b = 0, so d = x is opened in the clear."""

        def triples(self, shape, parties, *, network=None, rng=None):
            zero = mpc.share_additive(np.zeros(shape, dtype=np.uint64), len(parties), rng=rng)
            return [mpc.BeaverTriple(z, z, z) for z in zero]

    assert uniform_and_secret_free(opened_d(zeros, mpc.Dealer()), opened_d(halves, mpc.Dealer()))
    assert not uniform_and_secret_free(
        opened_d(zeros, LazyDealer()), opened_d(halves, LazyDealer())
    )


def test_dealer_triples_multiply():
    network = mpc.Network()
    triples = mpc.Dealer("trent").triples((4,), ["p", "q", "r"], network=network, rng=0)
    a, b, c = (mpc.reconstruct_additive([getattr(t, k) for t in triples]) for k in "abc")
    assert np.array_equal(c, a * b)
    assert {m.sender for m in network.messages} == {"trent"}
    assert network.stats() == {"rounds": 1, "messages": 9, "bytes": 9 * 32}


# --------------------------------------------------------------------------
# Dot products and opening
# --------------------------------------------------------------------------


@settings(max_examples=40)
@given(
    vectors=st.integers(1, 20).flatmap(
        lambda n: st.tuples(
            st.lists(SMALL, min_size=n, max_size=n), st.lists(SMALL, min_size=n, max_size=n)
        )
    ),
    parties=st.integers(2, 4),
    seed=SEEDS,
)
def test_secure_dot_product_is_exact(vectors, parties, seed):
    x, y = vectors
    result = mpc.secure_dot_product(x, y, parties=parties, rng=seed)
    assert result.output == signed(sum(a * b for a, b in zip(x, y, strict=True)))
    assert result.stats == mpc.protocol_cost("dot", parties, len(x))


def test_open_shares_costs_one_round():
    network = mpc.Network()
    shares = mpc.share_additive([1, -2, 3], 4, rng=0)
    opened = mpc.open_shares(shares, network, "result", names=["w", "x", "y", "z"])
    assert mpc.decode(opened).tolist() == [1, -2, 3]
    assert network.stats() == {"rounds": 1, "messages": 12, "bytes": 12 * 24}


# --------------------------------------------------------------------------
# Costs: closed forms against the recorded networks
# --------------------------------------------------------------------------


@pytest.mark.parametrize("parties", [2, 3, 5])
@pytest.mark.parametrize("values", [1, 7])
def test_protocol_cost_matches_the_network(parties, values):
    rng = np.random.default_rng(parties * values)
    inputs = {f"p{i}": rng.integers(-1000, 1000, size=values) for i in range(parties)}
    x, y = rng.integers(-1000, 1000, size=(2, values))
    recorded = {
        "sum": mpc.secure_sum(inputs, rng=0).stats,
        "mean": mpc.secure_mean(inputs, rng=0).stats,
        "product": mpc.secure_product(x, y, parties=parties, rng=0).stats,
        "dot": mpc.secure_dot_product(x, y, parties=parties, rng=0).stats,
    }
    for protocol, stats in recorded.items():
        assert mpc.protocol_cost(protocol, parties, values) == stats, protocol


def test_costs_quoted_in_the_lesson():
    five = mpc.secure_sum({name: 1 for name in NAMES}, rng=0)
    assert five.stats == {"rounds": 2, "messages": 40, "bytes": 320}
    dot = mpc.secure_dot_product(np.arange(10), np.arange(10), rng=0)
    assert dot.stats == {"rounds": 3, "messages": 14, "bytes": 976}
    assert dot.output == 285


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mpc.secure_sum({"alice": 1}), "inputs must be a dict of at least 2"),
        (lambda: mpc.secure_sum([1, 2]), "inputs must be a dict"),
        (lambda: mpc.secure_sum({"a": 1, "b": [1, 2]}), r"same shape; got 'a': \(\), 'b': \(2,\)"),
        (lambda: mpc.secure_sum({"a": 1.5, "b": 2}), r"inputs\['a'\] must be whole numbers"),
        (lambda: mpc.secure_sum({"a": 1, 2: 2}), "each name in inputs must be a party name"),
        (lambda: mpc.secure_sum({"a": 1, "b": 2}, fixed_point="yes"), "fixed_point must be"),
        (lambda: mpc.secure_sum({"a": 1, "b": 2}, rng=1.5), "rng must be None, a seed"),
        (lambda: mpc.secure_sum({"a": 1, "b": 2}, label=""), "label must be a non-empty"),
        (lambda: mpc.secure_mean({"a": 2.0**47, "b": 2}), r"inputs\['a'\] must be finite"),
        (
            lambda: mpc.secure_product(1, 2, parties=1),
            "parties must be a whole number from 2 to 1000",
        ),
        (lambda: mpc.secure_product(1, [1, 2]), r"y must have the shape of x \(\)"),
        (lambda: mpc.secure_product(1.5, 2), "x must be whole numbers"),
        (lambda: mpc.secure_dot_product([[1]], [[2]]), "x_vector must be a non-empty 1-d"),
        (lambda: mpc.secure_dot_product([], []), "x_vector must be a non-empty 1-d"),
        (lambda: mpc.secure_dot_product([1, 2], [1]), r"length of x_vector \(2\); got 1"),
        (lambda: mpc.protocol_cost("division", 2, 1), "protocol must be one of 'sum'"),
        (lambda: mpc.protocol_cost("sum", 1, 1), "parties must be a whole number >= 2"),
        (lambda: mpc.protocol_cost("sum", 2, 0), "values must be a whole number >= 1"),
        (lambda: mpc.Dealer("").triples((), 2), "name must be a party name"),
        (lambda: mpc.Dealer().triples((), ["dealer", "bob"]), "must not include the dealer"),
        (lambda: mpc.Dealer().triples((-1,), 2), "shape must be a whole number >= 0"),
        (lambda: mpc.Dealer().triples((), "alice"), "parties must be a number of parties"),
    ],
)
def test_protocol_errors_name_the_parameter(call, message):
    with pytest.raises(InvalidParameterError, match=message) as raised:
        call()
    assert "; got " in str(raised.value)


def test_beaver_multiply_checks_its_shares():
    network, dealer = mpc.Network(), mpc.Dealer()
    xs, ys = mpc.share_additive(3, 2, rng=0), mpc.share_additive(4, 2, rng=1)
    other = mpc.share_additive(4, 3, rng=1)
    with pytest.raises(NotEnoughSharesError, match="got 1 shares, but this sharing needs all 2"):
        mpc.beaver_multiply(xs[:1], ys, dealer, network)
    with pytest.raises(MixedSharesError):
        mpc.beaver_multiply([xs[0], ys[1]], ys, dealer, network)
    with pytest.raises(InvalidParameterError, match="as many parties as x_shares"):
        mpc.beaver_multiply(xs, other, dealer, network)
    with pytest.raises(InvalidParameterError, match="shape of x_shares"):
        mpc.beaver_multiply(xs, mpc.share_additive([1, 2], 2, rng=0), dealer, network)
    with pytest.raises(InvalidParameterError, match="dealer must be a Dealer"):
        mpc.beaver_multiply(xs, ys, "dealer", network)
    with pytest.raises(InvalidParameterError, match="network must be a Network"):
        mpc.beaver_multiply(xs, ys, dealer, None)
    with pytest.raises(InvalidParameterError, match="names must name each of the 2 parties"):
        mpc.beaver_multiply(xs, ys, dealer, network, names=["a", "b", "c"])
    assert network.message_count == 0  # nothing was sent by a refused call


# --------------------------------------------------------------------------
# Speed: a generous sanity bound (the real budget is checked by the benchmarks)
# --------------------------------------------------------------------------


def test_a_million_value_secure_sum_among_three_is_quick():
    values = np.arange(1_000_000, dtype=np.int64)
    start = time.perf_counter()
    result = mpc.secure_sum({"alice": values, "bob": values, "carol": -values})
    assert time.perf_counter() - start < 2.0
    assert np.array_equal(result.output, values)


def test_a_tampering_party_changes_the_sum_unnoticed():
    inputs = {"Ana": 10, "Ben": 20, "Chloe": 30}
    honest = mpc.secure_sum(inputs, rng=5)
    cheated = mpc.secure_sum(inputs, rng=5, tamper={"Chloe": 1000})
    assert honest.output == 60 and cheated.output == 1060
    assert honest.stats == cheated.stats  # the transcript looks just the same
    with pytest.raises(InvalidParameterError, match="tamper must be a dict from party names"):
        mpc.secure_sum(inputs, tamper={"Zed": 1})
