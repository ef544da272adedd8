"""Secure comparison of two parties' numbers, with the help of a trusted dealer.

"Is :math:`d > 0`?" depends on the sign bit of :math:`d`, which is not a sum of
the parties' shares. :func:`secure_is_positive` turns two parties' additive
shares of :math:`d` into shares of :math:`[d > 0]`:

1. the dealer sends additive shares of a random :math:`r`, XOR shares of its
   bits, AND triples and a random bit;
2. the parties open :math:`c = (d - 1) + r`, uniform whatever :math:`d` is;
3. they subtract :math:`c - r = d - 1` bit by bit with XOR-shared borrows, one
   AND gate (one round) per bit: 62 rounds. The top bit is the sign :math:`s`,
   0 exactly when :math:`d > 0`;
4. they turn :math:`s` into additive shares (one round): :math:`[d > 0] = 1 - s`.

For two parties and :math:`m` comparisons (bits travel as one byte each),
:func:`secure_is_positive` costs 65 rounds, 266 messages and :math:`364m` bytes;
:func:`secure_greater_than` 66 rounds, 270 messages and :math:`396m` bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._guard import SECRETS, TIED, guard
from ..errors import InvalidParameterError
from ..randomness import SecretRandom
from .additive import AdditiveShare, _complete_sharing, _new_sharing_id, _random_ring
from .beaver import Dealer, _dealer, _party_names, open_shares
from .network import Network, _network, _this_round
from .protocols import ProtocolResult, _same_shape, _scalar_or_array, _share_input
from .ring import _encode, _short_number, decode, ring_multiply, ring_subtract

__all__ = ["secure_greater_than", "secure_is_positive"]

_MAX_COMPARED = 2**62  # |x| < 2**62, so that x - y fits 64 bits
_SIGN_BIT = 63  # in a 64-bit two's-complement number

_ONE = np.uint64(1)


def _xor_share(words: np.ndarray, rng: SecretRandom) -> list[np.ndarray]:
    """Split 64-bit words into two XOR shares: ``share_0 ^ share_1 == words``."""
    mask = _random_ring(words.shape, rng)
    return [mask, words ^ mask]


def _additive_pair(values: np.ndarray, rng: SecretRandom) -> list[np.ndarray]:
    """Split ring elements into two additive shares: ``share_0 + share_1 == values``."""
    mask = _random_ring(values.shape, rng)
    return [mask, ring_subtract(values, mask)]


def _deal(
    dealer: Dealer,
    shape: tuple[int, ...],
    names: Sequence[str],
    network: Network,
    rng: SecretRandom,
) -> list[dict[str, Any]]:
    """Everything the dealer sends (this round), one dict per party: additive shares of a mask
    ``"r"``; XOR shares of its bits ``"r bits"``; XOR shares of AND triples ``"u"``, ``"v"``,
    ``"w" = u AND v`` (bit ``i`` of each word serves position ``i``); a random bit, XOR-shared
    (``"bit xor"``) and additively shared (``"bit additive"``)."""
    r = _random_ring(shape, rng)
    u, v = _random_ring(shape, rng), _random_ring(shape, rng)
    random_bit = _random_ring(shape, rng) & _ONE
    pieces = {
        "r": (_additive_pair(r, rng), "share of r (dealer)"),
        "r bits": (_xor_share(r, rng), "XOR shares of r's bits (dealer)"),
        "u": (_xor_share(u, rng), "XOR share of u, AND triples (dealer)"),
        "v": (_xor_share(v, rng), "XOR share of v, AND triples (dealer)"),
        "w": (_xor_share(u & v, rng), "XOR share of w = u AND v, AND triples (dealer)"),
        "bit xor": (
            [_bit(share, 0) for share in _xor_share(random_bit, rng)],
            "XOR share of a random bit (dealer)",
        ),
        "bit additive": (
            _additive_pair(random_bit, rng),
            "additive share of the same random bit (dealer)",
        ),
    }
    received: list[dict[str, Any]] = [{} for _ in names]
    for key, (shares, label) in pieces.items():
        for party, name in enumerate(names):
            network.send(dealer.name, name, shares[party], label)
            received[party][key] = shares[party]
    for key in ("r", "bit additive"):  # each additive pair is one sharing
        sharing_id = _new_sharing_id()
        for party, held in enumerate(received):
            held[key] = AdditiveShare(party, 2, held[key], sharing_id)
    return received


def _bit(words: np.ndarray, position: int) -> np.ndarray:
    """Bit ``position`` of each 64-bit word, as a bool array."""
    return ((words >> np.uint64(position)) & _ONE).astype(bool)


def _open_bits(
    own: list[np.ndarray], network: Network, names: Sequence[str], label: str
) -> list[np.ndarray]:
    """Both parties send their XOR share; each XORs it with its own (one round).

    The two results are equal: entry ``i`` is what party ``i`` computed.
    """
    for party, name in enumerate(names):
        network.send(name, names[1 - party], own[party], label)
    return [own[party] ^ _this_round(network, name, label)[0] for party, name in enumerate(names)]


def _and_gate(
    x: list[np.ndarray],
    y: list[np.ndarray],
    triple: dict[str, list[np.ndarray]],
    network: Network,
    names: Sequence[str],
    position: int,
) -> list[np.ndarray]:
    """XOR shares of :math:`x \\wedge y` from XOR shares of :math:`x` and :math:`y` (one round).

    The bit version of Beaver's trick, with a triple :math:`(u, v, w = u \\wedge v)`:
    open :math:`e = x \\oplus u` and :math:`f = y \\oplus v` (hidden by the
    random :math:`u` and :math:`v`), then :math:`x \\wedge y = w \\oplus
    (e \\wedge v) \\oplus (f \\wedge u) \\oplus (e \\wedge f)`, where only
    party 0 adds the public :math:`e \\wedge f`.
    """
    u, v, w = triple["u"], triple["v"], triple["w"]
    e_label, f_label = f"x ⊕ u at bit {position} (opened)", f"y ⊕ v at bit {position} (opened)"
    e_own = [x[party] ^ u[party] for party in (0, 1)]
    f_own = [y[party] ^ v[party] for party in (0, 1)]
    e_seen = _open_bits(e_own, network, names, e_label)
    f_seen = _open_bits(f_own, network, names, f_label)
    network.next_round()
    products = []
    for party in (0, 1):
        e, f = e_seen[party], f_seen[party]
        product = w[party] ^ (e & v[party]) ^ (f & u[party])
        products.append(product ^ (e & f) if party == 0 else product)
    return products


def _sign_of_difference(
    c: np.ndarray, held: list[dict[str, Any]], network: Network, names: Sequence[str]
) -> list[np.ndarray]:
    """XOR shares of the sign bit of :math:`c - r`, with a ripple-borrow subtraction.

    Bit :math:`i` of :math:`c - r` is :math:`c_i \\oplus r_i \\oplus w_i`, where
    the borrow :math:`w_{i+1}` is :math:`r_i \\wedge w_i` if :math:`c_i = 1`
    and :math:`r_i \\vee w_i = r_i \\oplus w_i \\oplus (r_i \\wedge w_i)` if
    :math:`c_i = 0`. Since :math:`c` is public, only :math:`r_i \\wedge w_i`
    needs a protocol: one AND gate (one round) per bit position.
    """
    r_bits = [_bit(held[party]["r bits"], 0) for party in (0, 1)]
    borrow = [~_bit(c, 0) & r_bits[party] for party in (0, 1)]  # w_1: no AND needed
    for position in range(1, _SIGN_BIT):
        r_bits = [_bit(held[party]["r bits"], position) for party in (0, 1)]
        triple = {key: [_bit(held[party][key], position) for party in (0, 1)] for key in "uvw"}
        both = _and_gate(r_bits, borrow, triple, network, names, position)
        c_is_zero = ~_bit(c, position)
        borrow = [(c_is_zero & (r_bits[party] ^ borrow[party])) ^ both[party] for party in (0, 1)]
    r_sign = [_bit(held[party]["r bits"], _SIGN_BIT) for party in (0, 1)]
    sign = [r_sign[party] ^ borrow[party] for party in (0, 1)]
    sign[0] = sign[0] ^ _bit(c, _SIGN_BIT)  # a public bit is added by party 0 only
    return sign


def _bit_to_additive(
    bits: list[np.ndarray], held: list[dict[str, Any]], network: Network, names: Sequence[str]
) -> list[AdditiveShare]:
    """Additive shares (mod :math:`2^{64}`) of a XOR-shared bit :math:`s` (one round).

    Open :math:`t = s \\oplus r_b`, with the dealer's random bit :math:`r_b`
    (which hides :math:`s`). Then :math:`s = t \\oplus r_b = t + r_b - 2 t r_b`,
    which is linear in :math:`r_b` because :math:`t` is public.
    """
    label = "s ⊕ random bit (opened)"
    own = [bits[party] ^ held[party]["bit xor"] for party in (0, 1)]
    t = _open_bits(own, network, names, label)[0].astype(np.uint64)
    network.next_round()
    one_minus_two_t = ring_subtract(_ONE, ring_multiply(np.uint64(2), t))
    return [held[party]["bit additive"] * one_minus_two_t + t for party in (0, 1)]


def _two_parties(name: str, shares: Any) -> list[AdditiveShare]:
    shares = _complete_sharing(name, shares)
    if len(shares) != 2:
        raise InvalidParameterError(
            f"{name} must be shared between exactly 2 parties; got {len(shares)} parties."
        )
    return shares


def _two_names(arguments: dict[str, Any]) -> None:
    names, dealer = arguments["names"], arguments["dealer"]
    names = _party_names(2 if names is None else names, count=2)
    if dealer.name in names:
        raise InvalidParameterError(
            f"names must not include the dealer's name {dealer.name!r}; got {names!r}."
        )
    arguments["names"] = names


def _compared(name: str, values: Any) -> np.ndarray:
    """Whole numbers with ``|value| < 2**62`` as ring elements, or a clear error."""
    ring = _encode(name, values, fixed_point=False)
    signed = decode(ring)
    outside = np.abs(signed) >= _MAX_COMPARED
    if np.any(outside):
        raise InvalidParameterError(
            f"{name} must be whole numbers with |value| < 2**62 = {_MAX_COMPARED} (so that "
            f"x - y fits 64 bits); got {_short_number(signed[outside][0])}."
        )
    return ring


@guard(
    d_shares=_two_parties,
    dealer=_dealer,
    network=_network,
    rng=SECRETS,
    names=TIED,
    where=_two_names,
)
def secure_is_positive(
    d_shares: Sequence[AdditiveShare],
    dealer: Dealer,
    network: Network,
    *,
    rng: np.random.Generator | int | None = None,
    names: Sequence[str] | None = None,
) -> list[AdditiveShare]:
    """Two parties' additive shares of the bit :math:`[d > 0]`, from their shares of :math:`d`.

    The dealer's messages go in the current round (they do not depend on
    :math:`d`), then 64 rounds. :math:`d` must not be :math:`-2^{63}`, which
    nobody can check, since nobody sees :math:`d`.

    >>> from privlab.mpc import reconstruct_additive, share_additive
    >>> network = Network()
    >>> d = share_additive([-4, 0, 1, 9], parties=2, rng=1)
    >>> positive = secure_is_positive(d, Dealer(), network, rng=2)
    >>> reconstruct_additive(positive)
    array([0, 0, 1, 1], dtype=uint64)
    >>> network.stats()  # 1 dealer round + 1 + 62 + 1
    {'rounds': 65, 'messages': 266, 'bytes': 1456}
    """
    held = _deal(dealer, d_shares[0].shape, names, network, rng)
    network.next_round()
    masked = [d - 1 + own["r"] for d, own in zip(d_shares, held, strict=True)]
    c = open_shares(masked, network, "c = d − 1 + r (opened)", names=names)
    sign = _sign_of_difference(c, held, network, names)
    sign_shares = _bit_to_additive(sign, held, network, names)
    return [1 - share for share in sign_shares]


@guard(x=_compared, y=_compared, rng=SECRETS, where=_same_shape)
def secure_greater_than(
    x: Any, y: Any, *, rng: np.random.Generator | int | None = None
) -> ProtocolResult:
    """Is the publisher's ``x`` greater than the advertiser's ``y``? Only the answer is revealed.

    Whole numbers with :math:`|x|, |y| < 2^{62}`, element by element: both share
    their input (round 1, with the dealer's), :func:`secure_is_positive` on
    :math:`d = x - y`, then both announce their share of :math:`[x > y]` (round 66).

    >>> result = secure_greater_than(1_700_000_010, 1_700_000_000, rng=0)
    >>> result.output
    True
    >>> [row["label"] for row in result.network.table("advertiser") if row["round"] in (2, 3)]
    ['c = d − 1 + r (opened)', 'x ⊕ u at bit 1 (opened)', 'y ⊕ v at bit 1 (opened)']
    """
    network = Network()
    names = ("publisher", "advertiser")
    x_shares = _share_input(x, 0, names, network, "share of x", rng)
    y_shares = _share_input(y, 1, names, network, "share of y", rng)
    d_shares = [x_i - y_i for x_i, y_i in zip(x_shares, y_shares, strict=True)]
    bits = secure_is_positive(d_shares, Dealer(), network, rng=rng, names=names)
    opened = open_shares(bits, network, "[x > y] (opened)", names=names).astype(bool)
    return ProtocolResult(_scalar_or_array(opened, x.ndim == 0), network, names)
