"""Compatibility name for the sweep aggregator: ``conf/config.yaml`` targets
``sim.callbacks.SweepAggregator``. The code lives in :mod:`sim.sweeps.callback`; once the config
names that module, this shim can go.
"""

from sim.sweeps.callback import SweepAggregator

__all__ = ["SweepAggregator"]
