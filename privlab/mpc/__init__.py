"""Secure multi-party computation: computing on data that nobody gets to see.

Several parties each hold a private number (a salary, a count, a vector) and
want a result computed from all of them (a total, a mean, a product) without
showing their numbers to each other, or to anyone else. The trick is secret
sharing: each number is split into random-looking *shares*, one per party;
any incomplete set of shares reveals nothing, and the parties compute on the
shares by sending each other messages.

The package is split into small modules, each readable on its own:

* :mod:`~privlab.mpc.ring`: the ring of whole numbers modulo 2^64 (numpy
  ``uint64``), negative numbers in two's complement, decimals in fixed point.
* :mod:`~privlab.mpc.additive`: additive secret sharing: n random shares
  that add up to the secret; shares add up locally.
* :mod:`~privlab.mpc.shamir`: Shamir's t-of-n sharing with polynomials
  modulo a prime: any t shares rebuild the secret, t - 1 reveal nothing.
* :mod:`~privlab.mpc.robust`: more than t shares catch a changed one
  (:func:`shamir_reconstruct_checked`); :func:`consistent_secrets` counts why
  t - 1 reveal nothing.
* :mod:`~privlab.mpc.network`: parties that talk only through a network that
  records every message, so a lesson can show each party's view and the cost.
* :mod:`~privlab.mpc.beaver`: multiplying shared numbers with Beaver triples
  from a trusted dealer.
* :mod:`~privlab.mpc.protocols`: secure sum and mean, products, dot products,
  and their costs.
* :mod:`~privlab.mpc.psi`: private set intersection: which ids two parties
  share, found by comparing Diffie-Hellman blinded points.
* :mod:`~privlab.mpc.compare`: secure comparison of shared numbers (is x > y?),
  with the dealer's random bits and a bit-by-bit subtraction circuit.

Randomness is cryptographic (from the operating system) unless a seed is given; seeds are
for lessons and tests only, since anyone who knows the seed can recompute
every share.

Examples
--------
>>> from privlab import mpc
>>> result = mpc.secure_sum({"alice": 30, "bob": 12, "carol": -2})
>>> result.output, result.stats
(40, {'rounds': 2, 'messages': 12, 'bytes': 96})
"""

from __future__ import annotations

from . import additive, beaver, compare, network, protocols, psi, ring, robust, shamir
from .additive import AdditiveShare, reconstruct_additive, share_additive
from .beaver import BeaverTriple, Dealer, beaver_multiply, open_shares
from .compare import secure_greater_than, secure_is_positive
from .network import Message, Network, Party
from .protocols import (
    ProtocolResult,
    protocol_cost,
    secure_dot_product,
    secure_mean,
    secure_product,
    secure_sum,
)
from .psi import (
    NaiveJoin,
    PSIResult,
    blind,
    hash_to_point,
    naive_join,
    private_intersection,
    random_scalar,
)
from .ring import (
    FRACTION_BITS,
    MAX_FIXED,
    MAX_INTEGER,
    MIN_INTEGER,
    RING_BITS,
    RING_SIZE,
    SCALE,
    decode,
    encode,
    ring_add,
    ring_multiply,
    ring_subtract,
    ring_sum,
)
from .robust import consistent_secrets, shamir_reconstruct_checked
from .shamir import (
    PRIME,
    ShamirShare,
    evaluate_polynomial,
    lagrange_coefficients,
    random_polynomial,
    shamir_reconstruct,
    shamir_share,
)

__all__ = [
    "FRACTION_BITS",
    "MAX_FIXED",
    "MAX_INTEGER",
    "MIN_INTEGER",
    "PRIME",
    "RING_BITS",
    "RING_SIZE",
    "SCALE",
    "AdditiveShare",
    "BeaverTriple",
    "Dealer",
    "Message",
    "NaiveJoin",
    "Network",
    "PSIResult",
    "Party",
    "ProtocolResult",
    "ShamirShare",
    "additive",
    "beaver",
    "beaver_multiply",
    "blind",
    "compare",
    "consistent_secrets",
    "decode",
    "encode",
    "evaluate_polynomial",
    "hash_to_point",
    "lagrange_coefficients",
    "naive_join",
    "network",
    "open_shares",
    "private_intersection",
    "protocol_cost",
    "protocols",
    "psi",
    "random_polynomial",
    "random_scalar",
    "reconstruct_additive",
    "ring",
    "ring_add",
    "ring_multiply",
    "ring_subtract",
    "ring_sum",
    "robust",
    "secure_dot_product",
    "secure_greater_than",
    "secure_is_positive",
    "secure_mean",
    "secure_product",
    "secure_sum",
    "shamir",
    "shamir_reconstruct",
    "shamir_reconstruct_checked",
    "shamir_share",
    "share_additive",
]
