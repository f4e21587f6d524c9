"""Sweeps: design points, the Hydra design sweeper's work, the aggregate and its analyses.

A sweep is a list of *design points* (each a set of overrides) run in *blocks*: one Hydra job per
block, each point written to its own results folder ``<sweep dir>/<point>/``. The modules, from the
inside out (each imports only those before it):

- :mod:`sim.sweeps.space`: the factors of a design, their ranges read from the schema's
  ``plausible`` metadata (the one source of factor ranges);
- :mod:`sim.sweeps.designs`: grid, Latin hypercube, Sobol/Saltelli and Morris designs;
- :mod:`sim.sweeps.plan`: the sweep plan (points, blocks) the sweeper writes and the jobs read;
- :mod:`sim.sweeps.folders`: a point folder's state (complete, failed) and failure records;
- :mod:`sim.sweeps.table`: one tidy row per point (outcomes, intervals, paired differences);
- :mod:`sim.sweeps.points`: validated configs of points, and running a design in-process;
- :mod:`sim.sweeps.block`: a block job: validate its points, run them, write their folders;
- :mod:`sim.sweeps.sweeper`: the sweeper's implementation (the Hydra plugin in
  ``hydra_plugins/ceasefire_design_sweeper`` delegates to it);
- :mod:`sim.sweeps.analysis`, :mod:`sim.sweeps.indices`, :mod:`sim.sweeps.prim`,
  :mod:`sim.sweeps.discovery`: matching points to the design, Morris/Sobol indices, PRIM and
  scenario discovery;
- :mod:`sim.sweeps.aggregate` and :mod:`sim.sweeps.callback`: the files written at the sweep
  root at the end of a multirun.

Nothing is imported here, so ``import sim.sweeps.plan`` stays cheap for the Hydra plugin.
"""
