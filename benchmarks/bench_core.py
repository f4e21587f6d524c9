"""Benchmark: the Mesa engine against a bare Mesa model of the same size.

Prints replications per second of ``article_baseline`` on the Mesa engine and of a bare Mesa model
with the same number of agents (29: Russia, Ukraine, the US and 26 members) and weeks whose agents
do nothing, measured in one run, interleaved, and their ratio. Target: the real model costs at most
2× the bare model per replication.

Usage: ``python benchmarks/bench_core.py [--replications 200] [--rounds 5]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import mesa

from sim.api import compose_config
from sim.model import CeasefireModel

N_AGENTS = 29


class IdleAgent(mesa.Agent):
    """An agent that does nothing."""

    def step(self) -> None:
        """Do nothing."""


class BareModel(mesa.Model):
    """A Mesa model with 29 idle agents, stepped the usual way."""

    def __init__(self, rng: int = 0) -> None:
        super().__init__(rng=rng)
        for _ in range(N_AGENTS):
            IdleAgent(self)

    def step(self) -> None:
        """Activate every agent once in random order."""
        self.agents.shuffle_do("step")


def time_bare(reps: int, weeks: int) -> float:
    """Seconds per replication of the bare model."""
    start = time.perf_counter()
    for rep in range(reps):
        model = BareModel(rng=rep)
        for _ in range(weeks):
            model.step()
    return (time.perf_counter() - start) / reps


def time_real(reps: int, cfg) -> float:
    """Seconds per replication of the Mesa engine on ``cfg``."""
    start = time.perf_counter()
    for rep in range(reps):
        model = CeasefireModel(config=cfg, rng=cfg.sim.seed, replication=rep)
        while model.running:
            model.step()
    return (time.perf_counter() - start) / reps


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    cfg = compose_config("article_baseline", ["sim.engine=mesa"])
    weeks = cfg.sim.weeks
    time_bare(20, weeks)
    time_real(20, cfg)  # warm-up
    bare, real = [], []
    for _ in range(args.rounds):
        bare.append(time_bare(args.replications, weeks))
        real.append(time_real(args.replications, cfg))
    b, r = statistics.median(bare), statistics.median(real)
    print(f"Mesa engine vs bare Mesa model: {N_AGENTS} agents × {weeks} weeks, "
          f"{args.replications} replications × {args.rounds} interleaved rounds (medians)")
    print(f"{'model':<34}{'ms/replication':>16}{'replications/s':>16}")
    print(f"{'bare Mesa (agents do nothing)':<34}{b * 1e3:>16.2f}{1 / b:>16.1f}")
    print(f"{'article_baseline, Mesa engine':<34}{r * 1e3:>16.2f}{1 / r:>16.1f}")
    print(f"cost ratio real / bare: {r / b:.2f}× (target ≤ 2×)")


if __name__ == "__main__":
    main()
