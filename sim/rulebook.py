"""The rulebook: rule → actor → parameters (value, provenance) → quotes (role, text) → assumption.

``ceasefire-sim-rules [scenario=NAME] [key=value ...]`` prints it for a scenario; every run also
writes it as ``rulebook.md`` next to its results.
"""

from __future__ import annotations

import dataclasses
import sys
import textwrap
from typing import Any

from sim import resources
from sim.config import Config, iter_params
from sim.rules import RULES


def _param_index(cfg: Config) -> dict[str, tuple[Any, dataclasses.Field]]:
    return {key: (value, f) for key, f, value in iter_params(cfg)}


def param_row(key: str, value: Any, f: dataclasses.Field) -> dict[str, Any]:
    """One parameter: key, value, provenance class and source, plausible range, liveness."""
    meta = f.metadata
    return {"key": key, "value": value, "kind": meta["kind"], "source": meta["source"],
            "quotes": list(meta["quotes"]), "plausible": meta["plausible"],
            "liveness": meta["liveness"], "doc": meta["doc"]}


def rows(cfg: Config | None = None) -> list[dict[str, Any]]:
    """One dict per rule function: title, actor, function, params, quotes by role, assumption."""
    cfg = cfg if cfg is not None else Config()
    index, quotes = _param_index(cfg), resources.quotes()
    out = []
    for info in RULES.values():
        out.append({
            "rule": info.title,
            "actor": info.actor,
            "function": f"sim.rules.{info.name}",
            "does": info.doc,
            "params": [param_row(key, *index[key]) for key in info.params],
            "quotes": [{"id": q, "role": role, "text": quotes[q]} for q, role in info.roles()],
            "assumption": info.assumption,
        })
    return out


def _value(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v).lower() if isinstance(v, bool) else str(v)


def to_markdown(cfg: Config | None = None) -> str:
    """The rulebook as Markdown: a table of rules, then every parameter with its provenance."""
    cfg = cfg if cfg is not None else Config()
    lines = [
        f"# Rulebook — scenario `{cfg.name}`",
        "",
        ("Each rule is a pure function in `sim/rules.py`. Quotes are verbatim from "
         "`seeds/article.txt`, each with its role: **supports** (the words state the stance), "
         "**constrains** (the words limit the rule) or **counterfactual** (a lever value departs "
         "from the words). Where a rule goes beyond the words, its assumption says how."),
        "",
        "| rule | actor | function | parameters (value) | quotes (role) | assumption |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows(cfg):
        params = "<br>".join(f"`{p['key']}` = {_value(p['value'])}" for p in r["params"])
        quotes = "<br>".join(f"**{q['id']}** ({q['role']}) “{_md(q['text'])}”"
                             for q in r["quotes"])
        lines.append(
            f"| {r['rule']} | {r['actor']} | `{r['function'].rsplit('.', 1)[1]}`: {_md(r['does'])} "
            f"| {params or '—'} | {quotes or '—'} | {_md(r['assumption'] or '—')} |"
        )
    lines += ["", "## Parameters and their provenance", "",
              ("Every parameter has one provenance class: `quote` (read from the article), "
               "`cited` (published research or public figures), `calibrated` (set to hit the "
               "named target), `assumption` (with its reason), `lever` (a scenario choice) or "
               "`run` (a run setting)."), "",
              "| key | value | class | source | related quotes | plausible range |",
              "|---|---|---|---|---|---|"]
    for key, f, value in iter_params(cfg):
        if key == "name" or key.startswith("sim."):
            continue  # run settings are not part of the model
        r = param_row(key, value, f)
        plaus = "—" if r["plausible"] is None else f"{_value(r['plausible'][0])} – " \
            f"{_value(r['plausible'][1])}"
        lines.append(f"| `{key}` | {_value(value)} | {r['kind']} | {_md(r['source'])} | "
                     f"{', '.join(r['quotes']) or '—'} | {plaus} |")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_text(cfg: Config | None = None, width: int = 100) -> str:
    """The rulebook as plain text for the terminal."""
    cfg = cfg if cfg is not None else Config()
    out = [f"Rulebook — scenario {cfg.name}", "=" * width]
    for r in rows(cfg):
        out.append(f"{r['rule']}  [{r['actor']}]  {r['function']}")
        out.append(textwrap.indent(textwrap.fill(r["does"], width - 4), "    "))
        for p in r["params"]:
            out.append(textwrap.fill(
                f"{p['key']} = {_value(p['value'])}   [{p['kind']}: {p['source']}]", width - 4,
                initial_indent="    param  ", subsequent_indent=" " * 11))
        for q in r["quotes"]:
            out.append(textwrap.fill(f"{q['id']} ({q['role']}) “{q['text']}”", width - 4,
                                     initial_indent="    quote  ", subsequent_indent=" " * 11))
        if r["assumption"]:
            out.append(textwrap.fill(r["assumption"], width - 4,
                                     initial_indent="    assumption  ",
                                     subsequent_indent=" " * 16))
        out.append("-" * width)
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Console entry point: print the rulebook for a scenario and overrides.

    Usage: ``ceasefire-sim-rules [scenario=NAME] [key=value ...] [--markdown]``.
    """
    import argparse

    from sim.api import compose_config
    from sim.cliutil import OneLineParser
    from sim.config import ConfigError

    parser = OneLineParser(
        prog="ceasefire-sim-rules",
        description="Print the rulebook: every rule with its quotes (and their roles: supports, "
                    "constrains, counterfactual), its parameters with their values and "
                    "provenance class, and its assumption.",
        epilog="examples:\n  ceasefire-sim-rules\n  ceasefire-sim-rules scenario=no_force\n"
               "  ceasefire-sim-rules us.role=none --markdown > rulebook.md",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("overrides", nargs="*", metavar="key=value",
                        help="scenario=NAME and overrides as for ceasefire-sim")
    parser.add_argument("--markdown", action="store_true", help="print Markdown instead of text")
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        ns = parser.parse_args(args)
    except SystemExit as stop:  # argparse's own errors: one line, exit 2
        return int(stop.code or 0)
    scenario = "article_baseline"
    overrides = []
    for a in ns.overrides:
        if a.startswith("scenario="):
            scenario = a.split("=", 1)[1]
        else:
            overrides.append(a)
    try:
        cfg = compose_config(scenario, overrides)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    text = to_markdown(cfg) if ns.markdown else to_text(cfg)
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as err:  # e.g. a full disk or a closed pipe
        print(f"error: cannot write the rulebook to standard output ({err.strerror})",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
