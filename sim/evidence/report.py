"""``ceasefire-sim-validate``: the model against the evidence, as a Markdown report with a figure.

Runs every check of :mod:`sim.evidence.checks` at a stated replication count and writes, into the
output folder:

- ``validation.md`` — the table (check, source, target, model value with interval, kind,
  pass/fail where one applies), calibration, validation, verification and reported figures in
  separate sections, and what is and is not shown;
- ``validation.csv`` — the same table, one row per check;
- ``figures/validation_km.png`` — the model's Kaplan–Meier curves with and without a force over
  the published points;
- ``manifest.json`` last (SHA-256 of every file), so a folder without it is not a finished report.

No file carries a timestamp: the same replications give the same bytes. The exit code is 1 when a
calibration, validation or verification check fails (the report is written all the same), 2 for
bad arguments.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.cliutil import OneLineParser
from sim.evidence import calibrate as C
from sim.evidence.checks import KINDS, Curves, Result, run_checks

DEFAULT_REPLICATIONS = 20_000
MIN_REPLICATIONS = 200
MAX_REPLICATIONS = 1_000_000
EXIT_FAILED, EXIT_BAD_ARGS = 1, 2

SECTIONS = {
    "calibration": "Calibration — targets the parameters were set from (a pass says the fit "
                   "holds, not that the model is right)",
    "validation": "Validation — evidence no parameter was set from",
    "verification": "Verification — properties that hold by construction",
    "reported": "Reported — shown with its interval, no pass/fail",
}


def _fmt(x: float, digits: int = 3) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def table(results: list[Result]) -> pd.DataFrame:
    """One row per check."""
    return pd.DataFrame([r.row() for r in results])


def figure(curves: Curves, replications: int):
    """The model's Kaplan–Meier curves (points at 13/26/52/104 weeks) over the published ones."""
    from matplotlib.figure import Figure

    from sim.evidence import fortna

    fig = Figure(figsize=(8.0, 5.0), dpi=120)
    ax = fig.add_subplot()
    weeks = list(C.POINTS)
    pub = fortna.load_points()["kaplan_meier"]
    for group, label, colour, shift in (
            ("no_peacekeepers", "data: no peacekeepers (95% interval)", "#7f7f7f", -1.2),
            ("peacekeepers", "data: with peacekeepers (95% interval)", "#1f77b4", 1.2)):
        rows = pub[group]
        s = [r["survival"] for r in rows]
        err = [[r["survival"] - r["lo"] for r in rows], [r["hi"] - r["survival"] for r in rows]]
        ax.errorbar([w + shift for w in weeks], s, yerr=err, fmt="s", color=colour, capsize=4,
                    label=label, ms=7)
    styles = {"no force": ("#7f7f7f", "--"), "consented force": ("#1f77b4", "-"),
              "the article's force": ("#d62728", "-.")}
    for name, s in curves.controlled.items():
        colour, ls = styles[name]
        ax.plot([0, *weeks], [1.0, *s], ls, color=colour, marker="o",
                label=f"model, controlled spells: {name}")
    if curves.natural_no_force is not None:
        ax.plot([0, *weeks], [1.0, *curves.natural_no_force], ":", color="#2ca02c", marker="^",
                label="model: natural first ceasefires, no force (calibrated)")
    ax.set(xlabel="weeks since the ceasefire began", ylabel="share of ceasefires still holding",
           ylim=(0.3, 1.02), xticks=[0, *weeks],
           title="Ceasefire survival: the model against Fortna's data")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.text(0.01, 0.01, f"{replications:,} replications per curve | seed 20250904 | data: "
             "Fortna (2008), 96 civil-war ceasefires 1989–2004", fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def markdown(results: list[Result], replications: int) -> str:
    """The report's text."""
    lines = [
        "# ceasefire-sim — the model against the evidence",
        "",
        f"Every check at {replications:,} replications (seed 20250904). Calibration, validation,",
        "verification and reported figures are kept apart: only the validation rows compare the",
        "model with evidence no parameter was set from. Beyond these targets the model has no",
        "independent quantitative validation; its mechanisms rest on the article's words and on",
        "labelled assumptions (see `docs/ODD.md`).",
        "",
        "![Kaplan–Meier curves](figures/validation_km.png)",
        "",
    ]
    for kind in KINDS:
        rows = [r for r in results if r.check.kind == kind]
        if not rows:
            continue
        lines += [f"## {SECTIONS[kind]}", "",
                  "| check | source | target | data | model [95% interval] | sets | verdict |",
                  "|---|---|---|---|---|---|---|"]
        for r in rows:
            interval = "" if math.isnan(r.lo) else f" [{_fmt(r.lo)}, {_fmt(r.hi)}]"
            verdict = {True: "pass", False: "**FAIL**", None: "reported"}[r.passed]
            lines.append(f"| {r.check.name} | {r.check.evidence} | {r.check.target} | "
                         f"{_fmt(r.data)} | {_fmt(r.value)}{interval} | {r.check.pins} | "
                         f"{verdict} |")
        lines.append("")
    failed = [r.check.name for r in results if r.passed is False]
    lines += ["## Summary", "",
              f"{sum(r.passed is True for r in results)} passed, {len(failed)} failed, "
              f"{sum(r.passed is None for r in results)} reported only."
              + (f" Failed: {', '.join(failed)}." if failed else ""), ""]
    return "\n".join(lines)


def write_report(outdir: Path, replications: int = DEFAULT_REPLICATIONS
                 ) -> tuple[Path, list[Result]]:
    """Run every check and write the report folder; return the report's path and the results."""
    from sim.output import MANIFEST, atomic_write
    from sim.plots import save_figure

    outdir = Path(outdir)
    (outdir / MANIFEST).unlink(missing_ok=True)  # the folder is not finished until the end
    results, curves = run_checks(replications)
    written: dict[str, bytes] = {}
    for name, text in (("validation.md", markdown(results, replications)),
                       ("validation.csv", table(results).to_csv(index=False,
                                                                lineterminator="\n",
                                                                float_format="%.6g"))):
        atomic_write(outdir / name, text)
        written[name] = text.encode("utf-8")
    png = save_figure(figure(curves, replications), outdir / "figures" / "validation_km.png")
    written["figures/validation_km.png"] = Path(png).read_bytes()
    manifest = {"replications": replications, "seed": 20250904,
                "failed": [r.check.name for r in results if r.passed is False],
                "files": {k: hashlib.sha256(v).hexdigest() for k, v in sorted(written.items())},
                "complete": True}
    atomic_write(outdir / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return outdir / "validation.md", results


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point ``ceasefire-sim-validate``."""
    parser = OneLineParser(
        prog="ceasefire-sim-validate",
        description="Run every calibration target, validation check and reported figure and "
                    "write a Markdown report with a figure.")
    parser.add_argument("--replications", default=str(DEFAULT_REPLICATIONS),
                        help=f"replications per run (default {DEFAULT_REPLICATIONS:,})")
    parser.add_argument("--out", default="outputs/validation", help="output folder")
    args = parser.parse_args(argv)
    try:
        reps = int(args.replications)
    except ValueError:
        reps = None
    if reps is None or not MIN_REPLICATIONS <= reps <= MAX_REPLICATIONS:
        print(f"error: --replications={args.replications!r}: expected a whole number in "
              f"[{MIN_REPLICATIONS:,}, {MAX_REPLICATIONS:,}]", file=sys.stderr)
        return EXIT_BAD_ARGS
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"error: --out={args.out!r}: exists and is not a folder", file=sys.stderr)
        return EXIT_BAD_ARGS
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        print(f"error: --out={args.out!r}: cannot create the folder ({err.strerror})",
              file=sys.stderr)
        return EXIT_BAD_ARGS
    path, results = write_report(out, reps)
    print(table(results)[["check", "kind", "data", "model", "lo", "hi", "verdict"]].to_string(
        index=False, float_format=lambda x: f"{x:.3f}"))
    print(f"report: {path}")
    return EXIT_FAILED if any(r.passed is False for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
