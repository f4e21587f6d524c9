"""The Python API for notebooks and other tools.

``run_scenario("article_baseline", ["us.role=none"], replications=500)`` composes the same Hydra
config the command line would (``conf/`` through Hydra's compose API), validates it and runs it:
the same numbers the CLI writes for the same seed.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sim import experiment
from sim.config import (
    Config,
    ConfigError,
    check_value,
    config_from_omegaconf,
    register_configs,
    validate,
)
from sim.experiment import Results
from sim.overrides import check_override, check_overrides
from sim.resources import conf_dir


def _explain(err: Exception) -> str:
    """One clear line from a Hydra/OmegaConf composition error."""
    msg = str(err).strip()
    cause = err.__cause__
    if cause is not None and str(cause).strip() and str(cause).strip() not in msg:
        msg = f"{msg}: {str(cause).strip()}"
    lines = [ln for ln in msg.splitlines() if ln.strip() and not ln.startswith("    ")]
    detail = [ln.strip() for ln in msg.splitlines() if ln.startswith("    full_key:")]
    text = " ".join(lines)
    return f"{text} ({detail[0]})" if detail else text


def compose_config(scenario: str = "article_baseline", overrides: Sequence[str] = ()) -> Config:
    """Compose ``conf/`` for a scenario plus ``key=value`` overrides, and validate it.

    Raises:
        ConfigError: on an unknown scenario or key, a wrong type or an out-of-range value.
    """
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    if not isinstance(scenario, str):
        raise ConfigError(f"scenario={scenario!r} is not a scenario name; allowed: a string "
                          "such as 'article_baseline' (overrides go in the second argument)")
    if isinstance(overrides, str) or not all(isinstance(o, str) for o in overrides):
        raise ConfigError(f"overrides={overrides!r}: expected a list of 'key=value' strings, "
                          "e.g. ['us.role=none']")
    for o in overrides:
        if o.split("=", 1)[0].lstrip("+") == "scenario":
            raise ConfigError(f"override {o!r}: the scenario is the first argument, not an "
                              f"override (compose_config({o.split('=', 1)[1]!r}, ...))")
    register_configs()
    normalized = check_overrides([f"scenario={scenario}", *overrides])
    try:
        with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
            dcfg = compose(config_name="config", overrides=normalized)
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError(_explain(err)) from err
    return config_from_omegaconf(dcfg)


_PRESETS: dict[str, Config] = {}
_PRESET_LOCK = threading.Lock()


def preset_config(scenario: str = "article_baseline") -> Config:
    """A fresh copy of a scenario preset, composed once per process and cached.

    Raises:
        ConfigError: on an unknown scenario.
    """
    with _PRESET_LOCK:
        if scenario not in _PRESETS:
            _PRESETS[scenario] = compose_config(scenario)
        return copy.deepcopy(_PRESETS[scenario])


def apply_params(cfg: Config, params: Mapping[str, Any]) -> Config:
    """Set typed values by dotted key (``{"us.role": "none", "coalition.members": 12.0}``) and
    validate. A whole number given as a float (``12.0``, as exploratory tools pass it) is taken as
    the integer; anything else must already have the field's type.

    Raises:
        ConfigError: on an unknown key, a wrong type or an out-of-range value (the same one-line
            message as the command line gives).
    """
    if not isinstance(params, Mapping):
        raise ConfigError(f"params={params!r}: expected a mapping of dotted keys to values, e.g. "
                          "{'us.role': 'none'}")
    for key, value in params.items():
        if not isinstance(key, str) or key.count(".") != 1:
            raise ConfigError(f"params key {key!r}: expected a dotted key group.name, e.g. "
                              "'us.role'")
        group, name = key.split(".")
        node = getattr(cfg, group, None)
        if node is None or not dataclasses.is_dataclass(node):
            check_override(f"{key}=0")  # raises the command line's message for unknown keys
        fields = {f.name: f for f in dataclasses.fields(node)}
        if name not in fields:
            check_override(f"{key}=0")
        f = fields[name]
        kind = f.type if isinstance(f.type, str) else f.type.__name__
        if isinstance(value, np.generic):
            value = value.item()
        if kind == "int" and isinstance(value, float) and value.is_integer():
            value = int(value)
        elif kind == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        check_value(key, f, value)
        setattr(node, name, value)
    return validate(cfg)


def run_scenario(
    scenario: str = "article_baseline",
    overrides: Sequence[str] = (),
    *,
    params: Mapping[str, Any] | None = None,
    replications: int | None = None,
    weeks: int | None = None,
    seed: int | None = None,
    engine: str | None = None,
    n_jobs: int | None = None,
    keep_paths: bool = False,
    progress: bool | None = False,
) -> Results:
    """Run a scenario and return tidy results.

    Args:
        scenario: A preset in ``conf/scenario/`` (e.g. ``"no_force"``).
        overrides: Hydra overrides such as ``"us.role=none"`` or ``"deployment=never"`` (a list of
            strings; each composition goes through Hydra).
        params: Typed values by dotted key, e.g. ``{"us.role": "none", "coalition.members": 12}``,
            set on the preset (composed once per process and cached) — the fast path for tools
            that call the model many times (EMA Workbench, :mod:`sim.ema`).
        replications: Shorthand for ``sim.replications``.
        weeks: Shorthand for ``sim.weeks``.
        seed: Shorthand for ``sim.seed``.
        engine: Shorthand for ``sim.engine`` (``"batched"`` or ``"mesa"``).
        n_jobs: Shorthand for ``sim.n_jobs``.
        keep_paths: Keep per-replication weekly arrays in ``Results.raw_paths``.
        progress: Show a progress bar (default off in the API).

    Returns:
        :class:`~sim.experiment.Results` with ``records`` (one row per replication), ``paths``
        (weekly mean and 5–95% band), ``summary`` (dict), ``survival`` (Kaplan–Meier) and
        ``outcomes()`` (flat named scalars).

    Raises:
        ConfigError: on bad input, with the one-line message the command line gives.
    """
    if isinstance(overrides, str) or not all(isinstance(o, str) for o in overrides):
        raise ConfigError(f"overrides={overrides!r}: expected a list of 'key=value' strings, "
                          "e.g. ['us.role=none']")
    if not isinstance(scenario, str):
        raise ConfigError(f"scenario={scenario!r}: expected a preset name (a string)")
    for o in overrides:
        if o.split("=", 1)[0].lstrip("+") == "scenario":
            raise ConfigError(f"override {o!r}: the scenario is the first argument, not an "
                              f"override (run_scenario({o.split('=', 1)[1]!r}, ...))")
    shorthand = {f"sim.{k}": v for k, v in (("replications", replications), ("weeks", weeks),
                                            ("seed", seed), ("engine", engine),
                                            ("n_jobs", n_jobs)) if v is not None}
    if overrides:
        cfg = compose_config(scenario, list(overrides))
    else:
        cfg = preset_config(scenario)
    if params is not None and not isinstance(params, Mapping):
        raise ConfigError(f"params={params!r}: expected a mapping of dotted keys to values, e.g. "
                          "{'us.role': 'none'}")
    cfg = apply_params(cfg, {**(params or {}), **shorthand})
    if not isinstance(keep_paths, bool):
        raise ConfigError(f"keep_paths={keep_paths!r}: expected True or False")
    if progress is not None and not isinstance(progress, bool):
        raise ConfigError(f"progress={progress!r}: expected True, False or None")
    return experiment.run(cfg, keep_paths=keep_paths, progress=progress)
