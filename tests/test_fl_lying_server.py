"""A server that lies about who dropped out, at every (n, t, colluders) for n up to 10.

The bound privlab states (lesson 05, :mod:`privlab.fl.lying_server`): with the
consistency round, the server and ``c`` colluding devices read one honest
device's update exactly when ``2t <= n + c`` (the split lie) or ``c >= t - 1``
(a list of ``t`` devices with one honest device: the limit of any sum).
Without the round, a device answers any list, and the short list reads the
victim at every setting.
"""

from __future__ import annotations

import numpy as np
import pytest

from privlab.errors import InvalidParameterError, ProtocolAbortedError
from privlab.fl import secagg, secagg_device, secagg_protocol
from privlab.fl.lying_server import lying_server
from privlab.randomness import secret_random

SETTINGS = [(n, t, c) for n in range(2, 11) for t in range(2, n + 1) for c in range(n)]


def readable(n: int, t: int, c: int) -> bool:
    """The bound the lesson states."""
    return 2 * t <= n + c or c >= t - 1


def updates_of(n: int) -> np.ndarray:
    return (np.arange(2 * n, dtype=float).reshape(n, 2) + 1) / 8


@pytest.mark.parametrize("n", range(2, 11))
def test_the_consistency_round_holds_exactly_to_the_stated_bound(n):
    updates = updates_of(n)
    for _, t, c in (s for s in SETTINGS if s[0] == n):
        outcome = lying_server(updates, threshold=t, colluders=c, rng=n * 100 + t * 10 + c)
        if readable(n, t, c):
            assert outcome.read is not None, (n, t, c)
            assert np.array_equal(outcome.read, updates[0]), (n, t, c)
        else:
            assert outcome.read is None, (n, t, c, outcome.strategy)
            assert outcome.refused["short list"], "an honest device must refuse the short list"


@pytest.mark.parametrize("n", range(2, 11))
def test_without_the_round_the_short_list_reads_the_victim_everywhere(n):
    updates = updates_of(n)
    for _, t, c in (s for s in SETTINGS if s[0] == n):
        outcome = lying_server(updates, threshold=t, colluders=c, consistency=False, rng=c)
        assert outcome.read is not None and np.array_equal(outcome.read, updates[0]), (n, t, c)


def test_the_issue_setting_and_the_papers_parameters():
    updates = updates_of(9)
    split = lying_server(updates, threshold=5, colluders=2, rng=1)
    assert split.strategy == "split" and np.array_equal(split.read, updates[0])
    for n in range(3, 11):  # Bonawitz et al.: t = floor(2n/3) + 1, fewer than n/3 colluders
        t, c = 2 * n // 3 + 1, -(-n // 3) - 1
        assert lying_server(updates_of(n), threshold=t, colluders=c, rng=n).read is None


def test_a_device_signs_one_list_only_and_checks_the_signatures():
    result = secagg.secure_aggregate(updates_of(4), threshold=3, rng=3)
    view = result.server_view
    assert set(view.survivor_signatures) == set(view.responders) == {0, 1, 2, 3}
    assert all(
        len(sig) == secagg_device.SIGNATURE_BYTES for sig in view.survivor_signatures.values()
    )


def test_a_swapped_public_key_is_refused():
    updates = {device: np.zeros(2) for device in range(3)}
    devices, run, _ = secagg_protocol._enrol(updates, 32, 16, 2, secret_random(0))
    forged = secagg_device.AdvertisedKeys(
        bytes(32 * [9]), run.directory[1].encryption, run.directory[1].signature
    )
    lied = secagg_device._Run([run.directory[0], forged, run.directory[2]], run.enrolled, 2)
    with pytest.raises(ProtocolAbortedError, match="not signed by that device"):
        devices[0].share_keys(lied, secret_random(0))


def test_bad_arguments_are_named():
    with pytest.raises(InvalidParameterError, match="colluders must be"):
        lying_server(updates_of(3), threshold=2, colluders=3)
    with pytest.raises(InvalidParameterError, match="consistency must be True or False"):
        lying_server(updates_of(3), threshold=2, colluders=0, consistency="yes")
