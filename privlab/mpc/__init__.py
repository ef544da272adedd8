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

# each module's __all__ names what it exports
from .additive import *  # noqa: F403
from .beaver import *  # noqa: F403
from .compare import *  # noqa: F403
from .network import *  # noqa: F403
from .protocols import *  # noqa: F403
from .psi import *  # noqa: F403
from .ring import *  # noqa: F403
from .robust import *  # noqa: F403
from .shamir import *  # noqa: F403

_MODULES = (additive, beaver, compare, network, protocols, psi, ring, robust, shamir)
__all__ = [
    *(module.__name__.rsplit(".", 1)[1] for module in _MODULES),
    *(name for module in _MODULES for name in module.__all__),
]
