"""Tests of Shamir reconstruction that catches changed shares (Reed-Solomon decoding).

* Plain reconstruction from ``t`` shares turns a changed share into a wrong secret,
  with no error: the limit the checked reconstruction exists for.
* With ``correct=0``, every single changed share, at every position, is detected
  for every ``n > t``; so is every pattern of up to ``n - t`` changed shares.
* With ``correct=e``, every pattern of up to ``e`` changed shares is corrected
  exactly, and every pattern of ``e + 1`` to ``n - t - e`` is detected: all
  positions are enumerated for small ``n``, with several seeds and random
  nonzero changes, for single secrets and arrays.
* The bounds are tight: one changed share more than they allow, chosen by the
  cheaters, is accepted as a wrong secret. Among exactly ``t`` shares checking is
  refused, since nothing can be detected there.
* Broken checkers (one that reads only ``t`` shares, one that reads ``t + 1``,
  one that corrects by dropping one share at a time) fail the same property checks.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

import privlab
from privlab import InvalidParameterError, MixedSharesError, NotEnoughSharesError, errors, mpc

PRIMES = [97, mpc.PRIME]
SEEDS = [0, 1, 2]


def changed(share: mpc.ShamirShare, delta) -> mpc.ShamirShare:
    """The same party's share, with ``delta`` added to its value (same sharing id)."""
    return dataclasses.replace(share, y=(share.y + delta) % share.prime)


def corrupted(shares, positions, rng):
    """The shares with those at ``positions`` changed by random nonzero amounts."""
    out = list(shares)
    for position in positions:
        share = out[position]
        out[position] = changed(share, rng.integers(1, share.prime, size=share.shape))
    return out


def sizes(min_spare: int = 1):
    """(prime, t, n) with ``n - t >= min_spare`` spare shares, small enough to enumerate."""
    for prime, threshold in itertools.product(PRIMES, [1, 2, 3, 4]):
        for parties in range(threshold + min_spare, threshold + 6):
            yield prime, threshold, parties


def checked(shares, correct):
    """The function under test, called as the property checks call their variants."""
    return mpc.shamir_reconstruct_checked(shares, correct=correct)


def outcome(reconstruct, *args):
    """The secrets a reconstruction returns, or None if it reported the shares as changed."""
    try:
        return reconstruct(*args)
    except errors.InconsistentSharesError:
        return None


# --------------------------------------------------------------------------
# The limit of plain Shamir: a changed share gives a wrong secret, silently
# --------------------------------------------------------------------------


def test_plain_reconstruction_turns_one_changed_share_into_a_wrong_secret():
    shares = mpc.shamir_share(52_300, threshold=3, parties=5, rng=7)
    weights = mpc.lagrange_coefficients([1, 2, 3])
    # Party 2 adds 10,000 / weight_2: the secret rebuilt from parties 1, 2, 3 grows by 10,000.
    shares[1] = changed(shares[1], 10_000 * pow(weights[1], -1, mpc.PRIME))
    assert int(mpc.shamir_reconstruct(shares[:3])) == 62_300  # no error, a wrong secret
    assert int(mpc.shamir_reconstruct(shares)) == 62_300  # extra shares are ignored
    with pytest.raises(errors.InconsistentSharesError):
        mpc.shamir_reconstruct_checked(shares[:4])
    assert int(mpc.shamir_reconstruct_checked(shares, correct=1)) == 52_300


def test_exactly_threshold_shares_cannot_be_checked():
    shares = mpc.shamir_share(5, threshold=3, parties=5, prime=97, rng=0)
    with pytest.raises(NotEnoughSharesError) as raised:
        mpc.shamir_reconstruct_checked(shares[:3])
    assert str(raised.value) == (
        "got 3 shares, but checking them needs at least threshold + 1 = 4: any 3 points lie "
        "on some polynomial of degree 2, so a changed share goes unseen."
    )
    with pytest.raises(NotEnoughSharesError, match="got 2 shares, but this sharing needs 3"):
        mpc.shamir_reconstruct_checked(shares[:2])


# --------------------------------------------------------------------------
# Property checks, run on the real function and on broken variants
# --------------------------------------------------------------------------


def missed_single_changes(reconstruct) -> list[tuple]:
    """Every (prime, t, n, seed, position) at which one changed share was not reported."""
    missed = []
    for prime, threshold, parties in sizes():
        for seed in SEEDS:
            rng = np.random.default_rng([prime, threshold, parties, seed])
            secrets = rng.integers(0, prime, size=3)
            shares = mpc.shamir_share(secrets, threshold, parties, prime=prime, rng=seed)
            for position in range(parties):
                if outcome(reconstruct, corrupted(shares, [position], rng)) is not None:
                    missed.append((prime, threshold, parties, seed, position))
    return missed


def wrong_corrections(reconstruct_with) -> list[tuple]:
    """Every pattern of up to floor((n - t)/2) changed shares not corrected exactly.

    ``reconstruct_with(shares, e)`` is asked to correct ``e`` shares.
    """
    wrong = []
    for prime, threshold, parties in sizes(min_spare=2):
        most = (parties - threshold) // 2
        for seed, count in itertools.product(SEEDS, range(most + 1)):
            rng = np.random.default_rng([prime, threshold, parties, seed, count])
            secrets = rng.integers(0, prime, size=2)
            shares = mpc.shamir_share(secrets, threshold, parties, prime=prime, rng=seed)
            for positions in itertools.combinations(range(parties), count):
                got = outcome(reconstruct_with, corrupted(shares, positions, rng), most)
                if got is None or not np.array_equal(got, secrets):
                    wrong.append((prime, threshold, parties, seed, positions))
    return wrong


def undetected_beyond_correction(reconstruct_with) -> list[tuple]:
    """Every pattern of e + 1 to n - t - e changed shares (correcting e) not reported."""
    undetected = []
    for prime, threshold, parties in sizes():
        for correct in range((parties - threshold) // 2 + 1):
            for count in range(correct + 1, parties - threshold - correct + 1):
                for seed in SEEDS[:2]:
                    rng = np.random.default_rng([prime, threshold, parties, correct, count, seed])
                    secrets = rng.integers(0, prime, size=2)
                    shares = mpc.shamir_share(secrets, threshold, parties, prime=prime, rng=seed)
                    for positions in itertools.combinations(range(parties), count):
                        bad = corrupted(shares, positions, rng)
                        if outcome(reconstruct_with, bad, correct) is not None:
                            undetected.append((prime, threshold, parties, correct, positions))
    return undetected


def first_t_only(shares, correct=0):
    """Broken: checks nothing, reads the first t shares (what plain reconstruction does)."""
    return mpc.shamir_reconstruct(shares)


def first_t_plus_one_only(shares, correct=0):
    """Broken: checks only the first t + 1 shares, so later changed shares go unseen."""
    return mpc.shamir_reconstruct_checked(shares[: shares[0].threshold + 1])


def drop_one_at_a_time(shares, correct):
    """Broken: 'corrects' by leaving out one share at a time until the rest agree."""
    try:
        return mpc.shamir_reconstruct_checked(shares)
    except errors.InconsistentSharesError:
        for i in range(len(shares)):
            try:
                return mpc.shamir_reconstruct_checked(shares[:i] + shares[i + 1 :])
            except errors.InconsistentSharesError:
                pass
        raise


def test_every_single_changed_share_is_detected_at_every_position():
    assert missed_single_changes(mpc.shamir_reconstruct_checked) == []


@pytest.mark.parametrize("broken", [first_t_only, first_t_plus_one_only])
def test_a_checker_that_reads_too_few_shares_misses_changes(broken):
    missed = missed_single_changes(broken)
    assert missed
    if broken is first_t_plus_one_only:  # it only misses the shares it does not read
        assert all(position > threshold for _, threshold, _, _, position in missed)


def test_every_pattern_up_to_half_the_spare_shares_is_corrected_exactly():
    assert wrong_corrections(checked) == []


@pytest.mark.parametrize(
    "broken",
    [
        lambda shares, correct: mpc.shamir_reconstruct_checked(shares),  # detects, never corrects
        drop_one_at_a_time,  # corrects one changed share, not two
        first_t_only,
    ],
)
def test_a_broken_corrector_fails_the_correction_check(broken):
    assert wrong_corrections(broken)


def test_more_changes_than_can_be_corrected_are_detected_up_to_the_bound():
    assert undetected_beyond_correction(checked) == []


def test_a_checker_that_reads_t_plus_one_shares_misses_patterns_beyond_them():
    assert undetected_beyond_correction(first_t_plus_one_only)


# --------------------------------------------------------------------------
# The bounds are exact: one more changed share, chosen well, is accepted
# --------------------------------------------------------------------------


def forged(shares, cheaters: list[int], fake_secret: int) -> list[mpc.ShamirShare]:
    """The cheaters replace their shares by points of a polynomial with ``fake_secret`` at 0.

    It passes through ``threshold - 1`` honest shares, the first ones not cheating.
    """
    threshold, prime = shares[0].threshold, shares[0].prime
    honest = [i for i in range(len(shares)) if i not in cheaters][: threshold - 1]
    points = [(0, fake_secret)] + [(shares[i].x, int(shares[i].y)) for i in honest]
    out = list(shares)
    for i in cheaters:
        weights = mpc.lagrange_coefficients([x for x, _ in points], at=shares[i].x, prime=prime)
        value = sum(w * y for w, (_, y) in zip(weights, points, strict=True)) % prime
        out[i] = dataclasses.replace(shares[i], y=value)
    return out


@pytest.mark.parametrize(("threshold", "parties"), [(1, 3), (2, 5), (3, 5), (3, 8)])
def test_one_changed_share_beyond_the_bounds_can_be_made_consistent(threshold, parties):
    shares = mpc.shamir_share(40, threshold, parties, prime=97, rng=threshold)
    for correct in range((parties - threshold) // 2 + 1):
        detected = parties - threshold - correct  # the guaranteed bound
        cheaters = list(range(parties - detected - 1, parties))  # one more than it
        got = mpc.shamir_reconstruct_checked(forged(shares, cheaters, 13), correct=correct)
        assert int(got) == 13, (correct, cheaters)  # a wrong secret, and no error
        fewer = forged(shares, cheaters[1:], 13)  # within the bounds: corrected, or caught
        got = outcome(checked, fewer, correct)
        if len(cheaters) - 1 <= correct:
            assert int(got) == 40
        else:
            assert got is None


def explained(shares, secret: int, changes: int) -> bool:
    """Whether a polynomial of degree t - 1 with f(0) = secret misses at most ``changes`` shares."""
    threshold, prime = shares[0].threshold, shares[0].prime
    for base in itertools.combinations(shares, threshold):
        xs, ys = [s.x for s in base], [int(s.y) for s in base]

        def value(at, xs=xs, ys=ys):
            weights = mpc.lagrange_coefficients(xs, at=at, prime=prime)
            return sum(w * y for w, y in zip(weights, ys, strict=True)) % prime

        missed = sum(value(share.x) != int(share.y) for share in shares)
        if value(0) == secret and missed <= changes:
            return True
    return False


def test_beyond_the_bounds_whatever_is_accepted_is_explained_by_e_changes():
    """Many random changes: reported, or (rarely) a decoding that moves at most e shares."""
    accepted = reported = 0
    for prime, threshold, parties in sizes(min_spare=2):
        correct = (parties - threshold) // 2
        for seed in SEEDS:
            rng = np.random.default_rng([prime, threshold, parties, seed, 99])
            secret = int(rng.integers(prime))
            shares = mpc.shamir_share(secret, threshold, parties, prime=prime, rng=seed)
            for count in range(parties - threshold - correct + 1, parties + 1):
                positions = rng.choice(parties, size=count, replace=False)
                bad = corrupted(shares, positions, rng)
                got = outcome(checked, bad, correct)
                if got is None:
                    reported += 1
                else:
                    accepted += 1
                    assert explained(bad, int(got), correct), (prime, threshold, parties, positions)
    assert reported > 10 * accepted  # 383 reported, 1 accepted with these seeds


# --------------------------------------------------------------------------
# Honest shares, arrays, messages and arguments
# --------------------------------------------------------------------------


@pytest.mark.parametrize("prime", PRIMES)
def test_honest_shares_give_the_secret_in_any_order(prime):
    secrets = np.arange(12).reshape(3, 4) * 7 % prime
    shares = mpc.shamir_share(secrets, 3, 6, prime=prime, rng=3)
    for subset in itertools.combinations(shares, 5):
        for correct in (0, 1):
            got = mpc.shamir_reconstruct_checked(list(subset[::-1]), correct=correct)
            assert got.dtype == np.int64 and np.array_equal(got, secrets)


def test_each_secret_of_an_array_is_corrected_on_its_own():
    secrets = np.array([[1, 2, 3], [4, 5, 6]])
    shares = mpc.shamir_share(secrets, 2, 7, prime=97, rng=0)  # corrects 2 per secret
    shares[0] = changed(shares[0], np.array([[5, 0, 0], [0, 9, 1]]))
    shares[3] = changed(shares[3], np.array([[0, 4, 0], [0, 9, 0]]))
    shares[6] = changed(shares[6], np.array([[0, 3, 0], [0, 0, 8]]))  # 3 parties lied
    assert np.array_equal(mpc.shamir_reconstruct_checked(shares, correct=2), secrets)
    shares[5] = changed(shares[5], np.array([[0, 1, 0], [0, 0, 0]]))  # 3 lies at (0, 1)
    with pytest.raises(errors.InconsistentSharesError, match=r"for secret \(0, 1\)"):
        mpc.shamir_reconstruct_checked(shares, correct=2)


def test_the_error_says_what_was_found_and_what_would_help():
    shares = mpc.shamir_share(42, threshold=2, parties=4, prime=97, rng=0)
    shares[1] = changed(shares[1], 5)
    with pytest.raises(errors.InconsistentSharesError) as raised:
        mpc.shamir_reconstruct_checked(shares)
    assert str(raised.value) == (
        "the 4 shares (x = 1, 2, 3, 4) do not lie on one polynomial of degree 1 (threshold 2): "
        "at least one of them was changed; correct=1 would find and correct one."
    )
    shares[2] = changed(shares[2], 5)
    with pytest.raises(errors.InconsistentSharesError) as raised:
        mpc.shamir_reconstruct_checked(shares, correct=1)
    assert str(raised.value) == (
        "the 4 shares (x = 1, 2, 3, 4) do not lie on one polynomial of degree 1 (threshold 2): "
        "more than 1 of them were changed (4 shares correct 1 and detect up to 1)."
    )


def test_the_error_is_a_package_error_exported_with_the_others():
    assert issubclass(errors.InconsistentSharesError, privlab.PrivlabError)
    assert privlab.InconsistentSharesError is errors.InconsistentSharesError
    assert "InconsistentSharesError" in privlab.__all__
    assert "shamir_reconstruct_checked" in mpc.__all__


@pytest.mark.parametrize(
    ("correct", "message"),
    [
        (
            2,
            r"^correct must be a whole number from 0 to \(n - threshold\) // 2 = 1 \(correcting "
            r"e shares needs n >= threshold \+ 2e; here n = 5, threshold 2\); got 2\.$",
        ),
        (-1, r"^correct must be a whole number >= 0; got -1\.$"),
        (True, r"^correct must be a whole number >= 0; got True\.$"),
        (1.0, r"^correct must be a whole number >= 0; got 1\.0\.$"),
    ],
)
def test_bad_correct_is_refused_naming_the_limit(correct, message):
    shares = mpc.shamir_share(42, threshold=2, parties=5, prime=97, rng=0)
    with pytest.raises(InvalidParameterError, match=message):
        mpc.shamir_reconstruct_checked(shares, correct=correct)


def test_shares_that_are_not_one_sharing_are_refused():
    first = mpc.shamir_share(42, 2, 3, prime=97, rng=0)
    second = mpc.shamir_share(42, 2, 3, prime=97, rng=1)
    with pytest.raises(MixedSharesError, match="must all come from one sharing"):
        mpc.shamir_reconstruct_checked([*first[:2], second[2]])
    with pytest.raises(InvalidParameterError, match="different points x; got x = 1 twice"):
        mpc.shamir_reconstruct_checked([first[0], first[0], first[1]])
    with pytest.raises(InvalidParameterError, match="non-empty list of ShamirShare"):
        mpc.shamir_reconstruct_checked(first[0])
