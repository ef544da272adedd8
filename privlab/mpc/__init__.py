"""Secure multi-party computation: computing on data that nobody gets to see.

Each party splits its private number into random-looking *shares*, one per
party; an incomplete set of shares reveals nothing, and the parties compute on
shares by sending each other messages. One module per idea: ``ring``
(numbers modulo 2^64, fixed point), ``additive`` and ``shamir``
(sharing), ``robust`` (catching changed shares), ``network`` (the
recorded messages), ``beaver`` (products), ``protocols`` (sum, mean,
products, costs), ``compare`` (is x > y?) and ``psi`` (private set
intersection). Randomness: see :mod:`privlab.randomness`.

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
