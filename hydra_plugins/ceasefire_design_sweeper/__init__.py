"""Hydra sweeper plugin ``hydra/sweeper=design`` of ceasefire-sim (see ``sim.sweeps.sweeper``).

``hydra_plugins`` is a namespace package (no ``__init__.py`` at its level), so Hydra's plugin scan
finds this package next to the launchers installed in site-packages.
"""
