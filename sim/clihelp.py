"""The text of ``ceasefire-sim --help``: what the app does, common commands, the levers.

Built from the schema (:mod:`sim.config`) and the config groups in ``conf/``, so it lists what a
command line can actually set.
"""

from __future__ import annotations

import textwrap

from sim.config import iter_params
from sim.overrides import group_options

WIDTH = 88
LEVER_GROUPS = ("deployment", "us", "russia", "ukraine", "coalition", "terms")
RUN_KEYS = ("sim.replications", "sim.seed", "sim.weeks", "sim.engine", "sim.n_jobs")
COMMANDS = (
    ("ceasefire-sim", "the article's world: 1,000 replications of 104 weeks"),
    ("ceasefire-sim scenario=no_force", "a preset scenario (list below)"),
    ("ceasefire-sim us.role=none sim.replications=5000", "change levers and run settings"),
    ("ceasefire-sim -m deployment.timing=never,immediate us.role=none,air_support",
     "a sweep: every combination, on common random numbers"),
    ("ceasefire-sim +experiment=timing_x_us_role", "a ready-made sweep (list below)"),
    ("ceasefire-sim +experiment=sobol design.n=64", "Sobol sensitivity indices"),
    ("ceasefire-sim +experiment=dilemma", "the map over the two assumed parameters"),
    ("ceasefire-sim --cfg job us.role=none", "print the composed configuration, run nothing"),
    ("ceasefire-sim-compare article_baseline no_force", "two scenarios, paired differences"),
    ("ceasefire-sim-rules", "every rule with its quotes, every parameter's provenance"),
    ("ceasefire-sim-validate", "the model against published ceasefire data"),
)


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False)


def _num(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:g}"


def _describe(field_meta: dict, value: object, kind: str) -> str:
    choices = field_meta.get("choices")
    if choices:
        allowed = " | ".join(choices)
    elif kind == "bool":
        allowed = "true | false"
    else:
        lo, hi = field_meta.get("lo"), field_meta.get("hi")
        allowed = (f"{_num(lo)} to {_num(hi)}" if lo is not None and hi is not None
                   else "a number")
    default = str(value).lower() if isinstance(value, bool) else value
    return f"{allowed} (default {default})"


def app_help() -> str:
    """The whole help text."""
    out = [
        ("ceasefire-sim — what-if simulations of a ceasefire in Ukraine and the security "
         "guarantees around it."),
        "",
        _wrap("Russia, Ukraine, the US and 26 coalition members act by rules traced to quotes of "
              "one news article; each run simulates many replications and reports "
              "the chances of settlement, a holding ceasefire, war and escalation, with "
              "intervals.", ""),
        "",
        "Usage:",
        "  ceasefire-sim [scenario=NAME] [group=PRESET ...] [group.key=VALUE ...]",
        "  ceasefire-sim -m group.key=A,B[,C] ...   a sweep over every combination",
        "  ceasefire-sim +experiment=NAME [...]     a ready-made sweep or study",
        "",
        "Common commands:",
    ]
    for command, what in COMMANDS:
        out.append(f"  {command}")
        out.append(f"      {what}")
    out += ["", "Scenarios (scenario=NAME):", _wrap(", ".join(group_options("scenario"))), "",
            "Experiments (+experiment=NAME):", _wrap(", ".join(group_options("experiment"))), "",
            "Lever presets (group=PRESET):"]
    for group in LEVER_GROUPS:
        options = group_options(group)
        if options:
            out.append(_wrap(f"{group}: {', '.join(options)}"))
    out += ["", "Levers (group.key=VALUE):"]
    params = {key: (f, value) for key, f, value in iter_params()}
    for key, (f, value) in params.items():
        if f.metadata.get("kind") == "lever":
            kind = f.type if isinstance(f.type, str) else f.type.__name__
            out.append(_wrap(f"{key}: {_describe(dict(f.metadata), value, kind)}"))
    out += ["", "Run settings:"]
    for key in RUN_KEYS:
        f, value = params[key]
        kind = f.type if isinstance(f.type, str) else f.type.__name__
        out.append(_wrap(f"{key}: {_describe(dict(f.metadata), value, kind)} — "
                         f"{f.metadata.get('doc', '')}"))
    out += [
        "",
        _wrap("Every other model parameter can be set the same way (group.key=VALUE); "
              "ceasefire-sim-rules lists them all with their provenance (quote, cited, "
              "calibrated or assumption) and allowed ranges.", ""),
        "",
        "Outputs:",
        _wrap("a run writes outputs/<date>/<time>/ (or hydra.run.dir=FOLDER): summary.txt/.csv/"
              ".json, records.csv, paths.csv, survival.csv, config.yaml, rulebook.md, figures/ "
              "and manifest.json (written last: a folder without it is not a finished run)."),
        _wrap("a sweep writes multirun/<date>/<time>/ (or hydra.sweep.dir=FOLDER): one folder "
              "per point, sweep.csv/.parquet, records.parquet, failed_points.csv and figures/; "
              "rerun the same command to resume it. The README and docs/DATA.md in the source "
              "repository describe every file and column."),
        "",
        "Errors answer with one line starting with 'error:' and exit code 2.",
        "Hydra's own options: ceasefire-sim --hydra-help. Version: ceasefire-sim --version.",
    ]
    return "\n".join(out)
