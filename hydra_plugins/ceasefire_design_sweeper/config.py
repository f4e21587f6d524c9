"""The design sweeper's config schema, registered as ``hydra/sweeper=design_sweeper``.

The project's preset ``conf/hydra/sweeper/design.yaml`` extends it with this project's settings;
select it with ``hydra/sweeper=design`` (the experiment presets do). Hydra imports this module at
start-up while it scans for plugins, so it imports nothing heavy (Hydra, the standard library
and the small `sim.sweeps.plan`).
"""

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore

from sim.sweeps.plan import SWEEPER_TARGET


@dataclass
class DesignConf:
    """A design over a space of factors (see ``sim.sweeps.designs``); no method: none."""

    method: str | None = None
    n: int | None = None
    seed: int = 0
    levels: int | None = None
    second_order: bool = False
    space: dict[str, Any] = field(default_factory=dict)


@dataclass
class DesignSweeperConf:
    """The sweeper: swept ``params`` (like the basic sweeper's) or a ``design``, in blocks."""

    _target_: str = SWEEPER_TARGET
    params: dict[str, str] | None = None
    design: DesignConf = field(default_factory=DesignConf)
    points_per_job: int | None = None
    cluster_points_per_job: int | None = None
    workers_per_job: int | None = None


ConfigStore.instance().store(group="hydra/sweeper", name="design_sweeper",
                             node=DesignSweeperConf, provider="ceasefire_sim")
