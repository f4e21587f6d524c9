"""The Hydra ``Sweeper`` of the design sweeper: a thin shell around ``sim.sweeps.sweeper``."""

from __future__ import annotations

from typing import Any

from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig

from .config import DesignConf


class DesignSweeper(Sweeper):
    """Runs design points in blocks, one launcher job per block (see ``sim.sweeps.sweeper``)."""

    def __init__(self, params: Any = None, design: DesignConf | Any = None,
                 points_per_job: int | None = None,
                 cluster_points_per_job: int | None = None,
                 workers_per_job: int | None = None) -> None:
        from sim.sweeps.sweeper import DesignSweeperImpl

        self.sweeper = DesignSweeperImpl(params, design, points_per_job, cluster_points_per_job,
                                         workers_per_job)

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction,
              config: DictConfig) -> None:
        """Hand the context to the implementation (which instantiates the launcher)."""
        self.sweeper.setup(hydra_context=hydra_context, task_function=task_function,
                           config=config)

    def sweep(self, arguments: list[str]) -> Any:
        """Plan the points, write the plan and launch the blocks."""
        return self.sweeper.sweep(arguments)
