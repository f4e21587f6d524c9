"""``ceasefire-sim-compare A B [C ...] [key=value ...]``: scenarios side by side, paired.

Each scenario is a preset name (``no_force``) or a preset followed by its own overrides in one
quoted argument (``"article_baseline deployment.timing=after_ceasefire_holds"``); arguments of the
form ``key=value`` apply to every scenario (``sim.replications=4000``). All scenarios run on the
same seed, so replication *i* draws the same numbers everywhere (common random numbers), and each
scenario after the first is compared with the first replication by replication: the paired 95%
interval of the difference is much narrower than two separate intervals would suggest.

It prints one table — for each outcome, each scenario's value and its difference from the first
with the paired interval (P(war or escalation) and ceasefire failures per 100 ceasefire-weeks
included, and the failure-rate ratio) — and writes ``compare.txt`` (that table),
``compare.csv``, ``compare.json`` and ``figures/compare_forest.png`` into ``--out`` (default ``outputs/compare/<scenarios>``),
``manifest.json`` last. Bad input gets one ``error:`` line and exit code 2 before anything runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.cliutil import OneLineParser
from sim.config import Config, ConfigError

EXIT_BAD_INPUT = 2
OUTCOMES = (
    ("p_war_or_escalation", "P(war or escalation)"),
    ("p_settlement", "P(settlement)"),
    ("p_first_ceasefire", "P(first ceasefire by the horizon)"),
    ("collapse_hazard", "ceasefire failures per 100 ceasefire-weeks"),
    ("p_escalation", "P(escalation)"),
)


def parse(args: Sequence[str]) -> tuple[list[tuple[str, str, list[str]]], list[str]]:
    """Split the arguments into scenarios ``(label, preset, overrides)`` and shared overrides."""
    scenarios, shared = [], []
    for arg in args:
        tokens = arg.split()
        if not tokens:
            raise ConfigError("an empty scenario argument: give a preset name, e.g. no_force")
        if len(tokens) == 1 and "=" in tokens[0]:
            shared.append(tokens[0])
            continue
        preset, overrides = tokens[0], tokens[1:]
        if "=" in preset:
            raise ConfigError(f"scenario {arg!r}: start with a preset name, e.g. "
                              f"'article_baseline {arg}'")
        scenarios.append((arg, preset, overrides))
    if len(scenarios) < 2:
        raise ConfigError(f"{len(scenarios)} scenario(s) given: compare needs at least two, e.g. "
                          "ceasefire-sim-compare article_baseline no_force")
    labels = [s[0] for s in scenarios]
    if len(set(labels)) != len(labels):
        raise ConfigError(f"scenario {next(x for x in labels if labels.count(x) > 1)!r} is given "
                          "twice")
    return scenarios, shared


def configs(scenarios: Sequence[tuple[str, str, list[str]]], shared: Sequence[str]
            ) -> list[Config]:
    """Compose and validate every scenario (shared overrides last); all share the first's seed,
    horizon and replications so the comparison is paired."""
    from sim.api import compose_config

    cfgs = [compose_config(preset, [*own, *shared]) for _, preset, own in scenarios]
    first = cfgs[0].sim
    for (label, _, _), cfg in zip(scenarios, cfgs, strict=True):
        for key in ("seed", "weeks", "replications"):
            if getattr(cfg.sim, key) != getattr(first, key):
                raise ConfigError(f"scenario {label!r} sets sim.{key}={getattr(cfg.sim, key)} "
                                  f"but the first has {getattr(first, key)}: a paired comparison "
                                  f"needs one sim.{key} (set it once for all, as a shared "
                                  "override)")
    return cfgs


def table(labels: Sequence[str], results: Sequence[Any]) -> list[dict[str, Any]]:
    """One row per outcome and scenario: value, difference from the first, paired interval."""
    from sim import metrics

    rows = []
    base = results[0].records
    for label, res in zip(labels, results, strict=True):
        paired = metrics.paired_headlines(res.records, base)
        extra = metrics.paired_difference(res.records, base,
                                          metrics.outcome_indicator("escalation"))
        paired["p_escalation"] = {"a": extra["mean_a"], "diff": extra["diff"],
                                  "lo": extra["lo"], "hi": extra["hi"]}
        ratio = metrics.rate_ratio(res.records, base)
        for key, name in OUTCOMES:
            e = paired[key]
            first = label == labels[0]
            rows.append({"outcome": name, "key": key, "scenario": label, "value": e["a"],
                         "diff": 0.0 if first else e["diff"], "lo": 0.0 if first else e["lo"],
                         "hi": 0.0 if first else e["hi"],
                         "rate_ratio": ratio["ratio"] if key == "collapse_hazard" else math.nan,
                         "rate_ratio_lo": ratio["lo"] if key == "collapse_hazard" else math.nan,
                         "rate_ratio_hi": ratio["hi"] if key == "collapse_hazard" else math.nan})
    return rows


def _f(x: float, digits: int = 3) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:+.{digits}f}"


def format_table(rows: Sequence[dict[str, Any]], labels: Sequence[str], reps: int,
                 seed: int) -> str:
    """The terminal table."""
    head = (f"Paired comparison with {labels[0]!r} | {reps:,} replications each | seed {seed} | "
            "common random numbers")
    out = [head, ""]
    width = max(len(x) for x in labels) + 2
    for _, name in OUTCOMES:
        out.append(name)
        for r in (r for r in rows if r["outcome"] == name):
            if r["scenario"] == labels[0]:
                out.append(f"  {r['scenario']:<{width}}{r['value']:.3f}   (reference)")
                continue
            line = (f"  {r['scenario']:<{width}}{r['value']:.3f}   difference {_f(r['diff'])} "
                    f"[{_f(r['lo'])}, {_f(r['hi'])}]")
            if not math.isnan(r["rate_ratio"]):
                line += (f"   rate ratio {r['rate_ratio']:.2f} [{r['rate_ratio_lo']:.2f}, "
                         f"{r['rate_ratio_hi']:.2f}]")
            out.append(line)
    out.append("")
    out.append("A difference whose interval excludes 0 is not noise at this replication count; "
               "Russia's aversion to the force and the guarantee's weight are assumptions — "
               "see the dilemma map (ceasefire-sim +experiment=dilemma).")
    return "\n".join(out)


def _slug(labels: Sequence[str]) -> str:
    text = "__vs__".join(re.sub(r"[^A-Za-z0-9_.=-]+", "_", x) for x in labels)
    return text[:120]


def write(outdir: Path, rows: list[dict[str, Any]], labels: Sequence[str], cfgs: Sequence[Config],
          text: str) -> Path:
    """Write the CSV, JSON, forest plot and (last) the manifest."""
    import pandas as pd

    from sim.output import MANIFEST, atomic_write, csv_text
    from sim.plots import caption, plot_forest, save_figure

    (outdir / MANIFEST).unlink(missing_ok=True)
    df = pd.DataFrame(rows)
    written: dict[str, bytes] = {}
    csv = csv_text(df, "%.6g")
    meta = {"reference": labels[0], "scenarios": list(labels), "seed": cfgs[0].sim.seed,
            "replications": cfgs[0].sim.replications, "weeks": cfgs[0].sim.weeks,
            "rows": json.loads(df.to_json(orient="records", double_precision=6))}
    for name, data in (("compare.csv", csv), ("compare.json", json.dumps(meta, indent=2) + "\n"),
                       ("compare.txt", text + "\n")):
        atomic_write(outdir / name, data)
        written[name] = data.encode("utf-8")
    others = df[df["scenario"] != labels[0]]
    cap = caption(f"reference {labels[0]}", cfgs[0].sim.replications, cfgs[0].sim.seed,
                  f"{len(labels) - 1} scenario(s) compared")
    fig = plot_forest(others, cap,
                      xlabel=f"difference from {labels[0]} (paired 95% interval)")
    png = save_figure(fig, outdir / "figures" / "compare_forest.png")
    written["figures/compare_forest.png"] = Path(png).read_bytes()
    manifest = {"files": {k: hashlib.sha256(v).hexdigest() for k, v in sorted(written.items())},
                "complete": True}
    atomic_write(outdir / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return outdir


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point ``ceasefire-sim-compare``."""
    parser = OneLineParser(
        prog="ceasefire-sim-compare",
        description="Run scenarios over common random numbers and compare each with the first: "
                    "paired differences with 95% intervals.",
        epilog="examples: ceasefire-sim-compare article_baseline no_force sim.replications=4000\n"
               "          ceasefire-sim-compare no_force article_baseline "
               "'article_baseline deployment=after_ceasefire_holds'",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("items", nargs="*", metavar="SCENARIO|key=value",
                        help="presets (optionally quoted with their own overrides) and shared "
                             "overrides")
    parser.add_argument("--out", default=None, help="output folder (default outputs/compare/…)")
    args = parser.parse_args(argv)
    try:
        scenarios, shared = parse(args.items)
        cfgs = configs(scenarios, shared)
        labels = [s[0] for s in scenarios]
        out = Path(args.out) if args.out else Path("outputs") / "compare" / _slug(labels)
        if out.exists() and not out.is_dir():
            raise ConfigError(f"--out={str(out)!r}: exists and is not a folder")
        out.mkdir(parents=True, exist_ok=True)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:
        print(f"error: --out={args.out!r}: cannot create the folder ({err.strerror})",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    from sim import experiment

    results = experiment.run_block(cfgs)
    rows = table(labels, results)
    text = format_table(rows, labels, cfgs[0].sim.replications, cfgs[0].sim.seed)
    print(text)
    write(out, rows, labels, cfgs, text)
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
