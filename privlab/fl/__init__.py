"""On-device (federated) learning: training on phones without collecting their data.

NumPy only, the pieces of lesson 05: :mod:`~privlab.fl.digits` (the data and its
split over devices), :mod:`~privlab.fl.model` (softmax regression),
:mod:`~privlab.fl.fedavg` (local SGD and federated averaging),
:mod:`~privlab.fl.attacks` (an image from one update), :mod:`~privlab.fl.secagg`
(secure aggregation's masks; the protocol in :mod:`~privlab.fl.secagg_protocol`,
attacked by :mod:`~privlab.fl.lying_server`) and :mod:`~privlab.fl.dp` (DP-FedAvg).
"""

from __future__ import annotations
