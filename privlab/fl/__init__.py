"""On-device (federated) learning: training on phones without collecting their data.

NumPy only. The pieces of lesson 05, each a small module:

* :mod:`privlab.fl.digits`: the UCI handwritten digits, and how to split them
  over devices (the same mix on every device, or a skewed one).
* :mod:`privlab.fl.model`: softmax regression with its gradients written out.
* :mod:`privlab.fl.fedavg`: local SGD and federated averaging, with a record
  of every update the server receives.
* :mod:`privlab.fl.attacks`: rebuilding a training image from one update.
* :mod:`privlab.fl.secagg`: secure aggregation's masks, so the server sees only the sum;
  :mod:`privlab.fl.secagg_protocol` runs the whole protocol, with dropouts (each
  phone's part in :mod:`privlab.fl.secagg_device`), and :mod:`privlab.fl.lying_server`
  attacks it.
* :mod:`privlab.fl.dp`: DP-FedAvg (clipping, Gaussian noise) and its privacy accounting.
"""

from __future__ import annotations
