"""The interactive dashboard: one run of the Mesa model, week by week, in the browser (Solara).

Start it with ``ceasefire-sim-dashboard`` (or ``python -m sim.app``); it listens on
http://127.0.0.1:8765/ by default and answers only requests addressed to a loopback name (or to the
``--host`` it was given). Its browser assets must be installed once with
``ceasefire-sim-install-dashboard-assets`` (see :mod:`sim.dashboard_assets`) so that the page
works offline.

What the page offers:

* a **scenario preset** (``conf/scenario/``) whose values fill the levers;
* **Controls** (Reset / ▶ / Step) and the **Levers**: the v2 scenario choices (deployment timing,
  US role, the settlement terms, Russia's consent, the veto, Germany's condition, members, troops),
  the two assumptions the dilemma map varies (``russia.force_aversion``,
  ``ukraine.guarantee_weight``, within their plausible ranges) and the seed. Changed levers take
  effect on **Reset**; an invalid value is reported next to the controls and the model in force is
  kept;
* live plots of the run's weekly paths (phase, territory and claim gap, troops deployed,
  credibility, threat, martial law);
* **1,000 replications** of the current settings (outcome probabilities with 95% intervals) and a
  **comparison** of the current settings (A) with another preset or lever set (B): paired
  differences under common random numbers;
* the **rules in force**, each with its quotes and their roles, each parameter with its
  provenance class.

The page is built from Solara components around :class:`~sim.model.CeasefireModel` (a Mesa
model) rather than Mesa's ``SolaraViz``: SolaraViz always adds an "Information" card and a
playback card, and its Reset rebuilds the model inside the click handler, where an invalid lever
becomes an unhandled exception instead of a message. Each browser session builds its own model
inside :func:`Page`; nothing model-related is created at module level.

This module holds no model logic: it maps UI values to configuration keys
(:func:`dashboard_config`) and shows what :mod:`sim.model`, :mod:`sim.experiment`,
:mod:`sim.metrics` and :mod:`sim.rulebook` compute.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import logging
import os
import re
import socket
import sys
import textwrap
import threading
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from typing import Any, cast
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import solara
import solara.lab
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim import dashboard_assets, experiment, metrics, rulebook
from sim.api import compose_config
from sim.config import MODEL_GROUPS, Config, ConfigError, field_of, iter_params, validate
from sim.experiment import Results
from sim.metrics import OUTCOMES, PHASES
from sim.model import CeasefireModel
from sim.plots import OKABE_ITO, OUTCOME_LABELS, PHASE_COLOURS, caption, plot_outcomes
from sim.resources import conf_dir

__all__ = [
    "ALLOW_HOSTS_ENV", "BAD_HOST_BODY", "COMPARE_MEASURES", "DEFAULT_HOST", "DEFAULT_PORT",
    "DEFAULT_PRESET", "DILEMMA_KEYS", "DILEMMA_MAP_HREF", "LEVERS", "LOOPBACK_NAMES",
    "PATH_PANELS", "PRESETS", "REPLICATIONS", "CompareMeasure", "Comparison", "DashboardModel",
    "HostGuard", "Lever", "Page", "Snapshot", "allowed_hosts", "assumed_values_html", "compare",
    "compare_config", "compare_html", "dashboard_command", "dashboard_config", "describe_levers",
    "host_allowed", "install_host_guard", "lever_values", "main", "missing_assets_message",
    "outcome_html", "outcome_table", "parameters_html", "parse_seed", "paths_figure",
    "pending_changes", "preset_config", "preset_description", "replication_config", "rules_html",
    "run_replications",
]

_log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_PRESET = "article_baseline"
DEFAULT_COMPARE_PRESET = "no_force"  # B starts as the article's world without a force
REPLICATIONS = 1000
TITLE = "ceasefire-sim — what if? (one run of the model, week by week)"
PLAY_INTERVAL_S = 0.1  # pause between weeks while playing (display pacing only)

#: Where the page links for the dilemma map: the README section of that name (a relative link).
DILEMMA_MAP_HREF = "README.md#the-dilemma-map"
#: The two assumptions no evidence pins down, which the dilemma map varies.
DILEMMA_KEYS: tuple[str, ...] = ("russia.force_aversion", "ukraine.guarantee_weight")

#: The scenario presets, the article's baseline first.
PRESETS: tuple[str, ...] = tuple(
    sorted((p.stem for p in (conf_dir() / "scenario").glob("*.yaml")),
           key=lambda name: (name != DEFAULT_PRESET, name))
)


# --------------------------------------------------------------------------------------------- #
# The levers
# --------------------------------------------------------------------------------------------- #
@dataclass(frozen=True)
class Lever:
    """One input of the page and the configuration key it sets.

    Attributes:
        key: Dotted configuration key (``group.field``).
        label: Label on the page (also the input's accessible name).
        unit: Shown value = configuration value / ``unit`` (troops are shown in thousands).
        step: Slider step in shown units (``None`` for selects and switches).
        plausible: Slider over the schema's plausible range (else over its validity limits).
    """

    key: str
    label: str
    unit: float = 1.0
    step: float | None = None
    plausible: bool = False

    @property
    def name(self) -> str:
        """The keyword of :class:`DashboardModel` (``group_field``)."""
        return self.key.replace(".", "_")

    @property
    def kind(self) -> str:
        """``select``, ``switch``, ``int`` or ``float`` (the widget the page draws)."""
        f = field_of(self.key)
        typ = f.type if isinstance(f.type, str) else f.type.__name__
        if f.metadata["choices"]:
            return "select"
        if typ == "bool":
            return "switch"
        return "int" if typ == "int" or self.unit != 1.0 else "float"

    @property
    def choices(self) -> tuple[str, ...]:
        """The allowed values of a select."""
        return tuple(field_of(self.key).metadata["choices"] or ())

    def bounds(self, value: Any = None) -> tuple[float, float]:
        """Slider range in shown units; widened to include ``value`` (never clamps a preset)."""
        meta = field_of(self.key).metadata
        lo, hi = meta["plausible"] if self.plausible else (meta["lo"], meta["hi"])
        lo, hi = lo / self.unit, hi / self.unit
        if value is not None:
            shown = float(value) / self.unit
            lo, hi = min(lo, shown), max(hi, shown)
        return (int(lo), int(hi)) if self.kind == "int" else (float(lo), float(hi))


DILEMMA_STEP = 0.1  # slider resolution of the two dilemma-map assumptions (logit units)

_LEVER_LIST: tuple[Lever, ...] = (
    Lever("deployment.timing", "Deployment timing"),
    Lever("us.role", "US role"),
    Lever("terms.recognise", "Terms: territory recognised"),
    Lever("terms.force_stays", "Terms: the force stays after a settlement"),
    Lever("russia.force_consent", "Russia consents to the force"),
    Lever("coalition.respect_russian_veto", "Coalition respects a Russian veto"),
    Lever("coalition.germany_condition", "Germany's condition for deploying"),
    Lever("coalition.members", "Coalition members", step=1),
    Lever("deployment.troops_total", "Troops pledged (thousands)", unit=1000.0, step=1),
    Lever("russia.force_aversion", "Russia's aversion to the force (assumption)",
          step=DILEMMA_STEP, plausible=True),
    Lever("ukraine.guarantee_weight", "Weight of the guarantee for Ukraine (assumption)",
          step=DILEMMA_STEP, plausible=True),
)

#: The levers on the page, keyed by their :class:`DashboardModel` keyword (``group_field``).
LEVERS: dict[str, Lever] = {lever.name: lever for lever in _LEVER_LIST}

_SEED = field_of("sim.seed").metadata
_SEED_DIGITS = len(str(_SEED["hi"]))
_SHOWN_CHARS = 24  # longer invalid inputs are shortened in messages

_COMPOSE_LOCK = threading.Lock()  # Hydra's compose API keeps global state: one at a time
_SERIALS = itertools.count()


# --------------------------------------------------------------------------------------------- #
# UI values -> configuration
# --------------------------------------------------------------------------------------------- #
@cache
def _composed(preset: str) -> Config:
    with _COMPOSE_LOCK:
        return compose_config(preset)


def preset_config(preset: str) -> Config:
    """The composed configuration of a preset in ``conf/scenario/`` (a fresh copy).

    Raises:
        ConfigError: on an unknown preset.
    """
    if not isinstance(preset, str) or preset not in PRESETS:
        raise ConfigError(f"scenario preset {_shown(preset)} is not allowed: choose one of "
                          f"{', '.join(PRESETS)}")
    return copy.deepcopy(_composed(preset))


def preset_description(preset: str) -> str:
    """The first comment line of a preset's YAML file (what the preset follows and bends)."""
    lines = (conf_dir() / "scenario" / f"{preset}.yaml").read_text(encoding="utf-8").splitlines()
    text = [ln.lstrip("# ").strip() for ln in lines
            if ln.startswith("#") and not ln.startswith("# @package")]
    return next((t for t in text if t), "")


def _shown(value: Any) -> str:
    """A value for a message: its repr, shortened when long (a 5,000-digit seed)."""
    text = str(value)
    if len(text) <= _SHOWN_CHARS:
        return repr(value)
    return f"'{text[:_SHOWN_CHARS - 4]}…' ({len(text):,} characters)"


def parse_seed(value: Any, default: int) -> int:
    """The base seed from the page's text (or an int); blank keeps ``default``.

    Only plain digits are accepted (no sign, exponent, separators or other scripts' digits), and
    at most as many as the largest seed has, so a huge input is refused before any conversion.

    Raises:
        ConfigError: naming the value and the allowed range.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        text = str(int(value))
    else:
        text = str(value).strip()
    if (re.fullmatch(r"[0-9]+", text, flags=re.ASCII) is None or len(text) > _SEED_DIGITS
            or not _SEED["lo"] <= int(text) <= _SEED["hi"]):
        raise ConfigError(f"seed={_shown(value)} is not allowed: enter a whole number from "
                          f"{_SEED['lo']} to {_SEED['hi']:,}, in digits only")
    return int(text)


def dashboard_config(preset: str = DEFAULT_PRESET, levers: Mapping[str, Any] | None = None,
                     *, rng: Any = None, weeks: int | None = None) -> Config:
    """The preset's configuration with the page's lever values applied, validated.

    Args:
        preset: Scenario preset name.
        levers: Values keyed by the names in :data:`LEVERS`; ``None`` keeps the preset's value.
        rng: Base seed (an int or its text); ``None`` or blank keeps the preset's ``sim.seed``.
        weeks: Horizon; ``None`` keeps the preset's ``sim.weeks``.

    Raises:
        ConfigError: on an unknown preset or lever, or an invalid value (named with what is
            allowed).
    """
    cfg = preset_config(preset)
    for name, value in (levers or {}).items():
        if name not in LEVERS:
            raise ConfigError(f"unknown lever {_shown(name)}: allowed {', '.join(LEVERS)}")
        if value is None:
            continue
        group, key = LEVERS[name].key.split(".")
        setattr(getattr(cfg, group), key, _coerced(getattr(getattr(cfg, group), key), value))
    cfg.sim.seed = parse_seed(rng, cfg.sim.seed)
    if weeks is not None:
        cfg.sim.weeks = weeks
    return validate(cfg)


def _coerced(current: Any, value: Any) -> Any:
    """A widget's number in the field's type: numpy scalars to Python, whole numbers to the
    field's int or float (anything else is left for :func:`sim.config.validate` to refuse)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or isinstance(current, bool):
        return value
    if isinstance(current, float) and isinstance(value, int):
        return float(value)
    if isinstance(current, int) and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def lever_values(cfg: Config) -> dict[str, Any]:
    """The lever values of a configuration, keyed by the names in :data:`LEVERS`."""
    out = {}
    for name, lever in LEVERS.items():
        group, sub = lever.key.split(".")
        out[name] = getattr(getattr(cfg, group), sub)
    return out


def describe_levers(cfg: Config) -> str:
    """One line naming the preset, every lever value and the seed."""
    v = lever_values(cfg)
    terms = "Russia's claim" if v["terms_recognise"] == "russia_claim" else "the line of contact"
    return (f"preset {cfg.name} · deployment {v['deployment_timing']} · US role {v['us_role']} · "
            f"terms recognise {terms}, force {'stays' if v['terms_force_stays'] else 'leaves'} · "
            f"Russia {'consents to' if v['russia_force_consent'] else 'rejects'} the force · "
            f"veto {'respected' if v['coalition_respect_russian_veto'] else 'not respected'} · "
            f"Germany after {v['coalition_germany_condition']} · "
            f"{v['coalition_members']} members · "
            f"{v['deployment_troops_total']:,.0f} troops pledged · "
            f"force_aversion {v['russia_force_aversion']:g} · "
            f"guarantee_weight {v['ukraine_guarantee_weight']:g} · "
            f"seed {cfg.sim.seed} · {cfg.sim.weeks} weeks")


def _lever_text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:,.0f}" if value >= 1000 else f"{value:g}"
    return str(value)


def pending_changes(cfg: Config, levers: Mapping[str, Any], seed: Any) -> list[str]:
    """The lever values (and seed) on the page that differ from the model in force, one
    ``key: old → new`` each (an unreadable seed is left to its own message)."""
    out = []
    for name, old in lever_values(cfg).items():
        new = levers.get(name, old)
        if new != old:
            out.append(f"{LEVERS[name].key}: {_lever_text(old)} → {_lever_text(new)}")
    try:
        new_seed = parse_seed(seed, cfg.sim.seed)
    except ConfigError:
        new_seed = cfg.sim.seed
    if new_seed != cfg.sim.seed:
        out.append(f"sim.seed: {cfg.sim.seed} → {new_seed}")
    return out


class DashboardModel(CeasefireModel):
    """:class:`~sim.model.CeasefireModel` built from a preset plus the page's levers.

    Args:
        preset: Scenario preset (``conf/scenario/<preset>.yaml``).
        rng: Base seed of the common random numbers (``sim.seed``; an int or its text).
        weeks: Horizon (``sim.weeks``).
        **levers: Lever values keyed by the names in :data:`LEVERS` (e.g. ``us_role="none"``,
            ``russia_force_aversion=2.0``); ``None`` keeps the preset's value.

    Raises:
        ConfigError: on an unknown preset or lever, or an invalid lever value.
    """

    def __init__(self, preset: str = DEFAULT_PRESET, rng: int | str | None = None,
                 weeks: int | None = None, **levers: Any) -> None:
        cfg = dashboard_config(preset, levers, rng=rng, weeks=weeks)
        self.preset = preset
        self.serial = next(_SERIALS)  # tells this run from earlier ones (ids may be reused)
        super().__init__(config=cfg, rng=cfg.sim.seed)


# --------------------------------------------------------------------------------------------- #
# Many runs and the A/B comparison
# --------------------------------------------------------------------------------------------- #
def replication_config(cfg: Config, replications: int = REPLICATIONS) -> Config:
    """A copy of ``cfg`` set up for many replications on the batched engine, in one process."""
    out = copy.deepcopy(cfg)
    out.sim.replications = replications
    out.sim.engine = "batched"
    out.sim.n_jobs = 1
    out.sim.progress = "off"
    return validate(out)


def run_replications(cfg: Config, replications: int = REPLICATIONS) -> Results:
    """Run ``replications`` replications of ``cfg``'s settings (batched engine)."""
    return experiment.run(replication_config(cfg, replications), progress=False)


def outcome_table(summary: Mapping[str, Any]) -> pd.DataFrame:
    """The four outcome probabilities with their 95% Wilson intervals, one row per outcome."""
    rows = []
    for name in OUTCOMES:
        entry = summary["outcomes"][name]
        rows.append({"outcome": f"P({OUTCOME_LABELS[name]})", "probability": entry["p"],
                     "lo95": entry["lo"], "hi95": entry["hi"]})
    return pd.DataFrame(rows)


def outcome_html(summary: Mapping[str, Any]) -> str:
    """:func:`outcome_table` as an HTML table (three decimals)."""
    rows = "".join(
        f"<tr><td>{escape(row.outcome)}</td><td class='num'>{row.probability:.3f}</td>"
        f"<td class='num'>{row.lo95:.3f} – {row.hi95:.3f}</td></tr>"
        for row in outcome_table(summary).itertuples()
    )
    return ("<table class='ceasefire-outcomes'><thead><tr><th>outcome at the horizon</th>"
            "<th>probability</th><th>95% interval</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


@dataclass(frozen=True)
class CompareMeasure:
    """One row of the comparison: a headline of :data:`sim.metrics.HEADLINES` and its label."""

    key: str  # the headline's key in sim.metrics.paired_headlines
    label: str
    unit: str  # "p" (a probability) or "rate" (per 100 ceasefire-weeks)
    summary: Callable[[Mapping[str, Any]], Mapping[str, Any]]  # the entry of one side's summary


#: The four headline measures of the comparison, in the page's order.
COMPARE_MEASURES: tuple[CompareMeasure, ...] = (
    CompareMeasure("p_first_ceasefire", metrics.HEADLINES["p_first_ceasefire"], "p",
                   lambda s: s["ceasefire_within"][str(s["weeks"])]),
    CompareMeasure("p_settlement", metrics.HEADLINES["p_settlement"], "p",
                   lambda s: s["outcomes"]["settlement"]),
    CompareMeasure("p_war_or_escalation", metrics.HEADLINES["p_war_or_escalation"], "p",
                   lambda s: s["war_or_escalation"]),
    CompareMeasure("collapse_hazard",
                   f"collapse hazard ({metrics.HEADLINES['collapse_hazard']})", "rate",
                   lambda s: {"p": s["collapse_hazard"]["rate"], "lo": s["collapse_hazard"]["lo"],
                              "hi": s["collapse_hazard"]["hi"]}),
)


@dataclass
class Comparison:
    """The result of :func:`compare`.

    Attributes:
        a: Results of the settings A.
        b: Results of the settings B (same seed, horizon and replications as A).
        rows: One dict per measure of :data:`COMPARE_MEASURES`: ``key``, ``label``, ``unit``,
            ``a`` and ``b`` (``{p, lo, hi}`` from each side's summary) and ``diff`` (``{a, b,
            diff, lo, hi, n}`` from :func:`sim.metrics.paired_headlines`).
    """

    a: Results
    b: Results
    rows: list[dict[str, Any]]


def compare_config(cfg_a: Config, preset_b: str, levers_b: Mapping[str, Any] | None) -> Config:
    """B's configuration: its preset and levers, with A's seed and horizon (common numbers).

    Raises:
        ConfigError: on an invalid preset or lever value for B.
    """
    return dashboard_config(preset_b, levers_b, rng=cfg_a.sim.seed, weeks=cfg_a.sim.weeks)


def compare(cfg_a: Config, cfg_b: Config, replications: int = REPLICATIONS) -> Comparison:
    """Run A and B ``replications`` times each with the same seed; paired differences A − B.

    Raises:
        ValueError: if A and B differ in seed or horizon (no common random numbers).
    """
    if (cfg_a.sim.seed, cfg_a.sim.weeks) != (cfg_b.sim.seed, cfg_b.sim.weeks):
        raise ValueError("A and B must share the seed and the horizon")
    res_a = run_replications(cfg_a, replications)
    res_b = run_replications(cfg_b, replications)
    paired = metrics.paired_headlines(res_a.records, res_b.records)
    rows = [{"key": m.key, "label": m.label, "unit": m.unit,
             "a": dict(m.summary(res_a.summary)), "b": dict(m.summary(res_b.summary)),
             "diff": paired[m.key]} for m in COMPARE_MEASURES]
    return Comparison(res_a, res_b, rows)


def _num(x: Any, unit: str, signed: bool = False) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "—"
    digits = 3 if unit == "p" else 2
    return f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"


def _assumed(cfg: Config) -> str:
    parts = []
    for key in DILEMMA_KEYS:
        group, sub = key.split(".")
        parts.append(f"<code>{key}</code>&nbsp;=&nbsp;{getattr(getattr(cfg, group), sub):g}")
    return ", ".join(parts)


def assumed_values_html(cfg_a: Config, cfg_b: Config) -> str:
    """The two dilemma-map assumptions of A and B, with the link to the map's explanation."""
    return (f"<p class='assumed'>Assumed values — A: {_assumed(cfg_a)}; B: {_assumed(cfg_b)}. "
            "No evidence pins these two down; the "
            f"<a href='{DILEMMA_MAP_HREF}' target='_blank' rel='noopener'>dilemma map</a> "
            "(README, section “The dilemma map”) shows how the comparison turns on them.</p>")


def compare_html(comparison: Comparison) -> str:
    """The comparison as an HTML table, with the settings and the assumed values it used."""
    a, b = comparison.a.config, comparison.b.config
    rows = []
    for row in comparison.rows:
        unit, d = row["unit"], row["diff"]
        cells = [f"<td>{escape(row['label'])}</td>"]
        for side in ("a", "b"):
            e = row[side]
            cells.append(f"<td class='num'>{_num(e['p'], unit)} "
                         f"<span class='ci'>({_num(e['lo'], unit)} – {_num(e['hi'], unit)})</span>"
                         "</td>")
        cells.append(f"<td class='num diff'>{_num(d['diff'], unit, True)} "
                     f"<span class='ci'>({_num(d['lo'], unit, True)} – "
                     f"{_num(d['hi'], unit, True)})</span></td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    n = a.sim.replications
    return (
        "<table class='ceasefire-outcomes ceasefire-compare'><thead><tr><th>measure</th>"
        "<th>A (95% interval)</th><th>B (95% interval)</th><th>A − B, paired (95% interval)</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"<p><b>A</b>: {escape(describe_levers(a))}<br><b>B</b>: {escape(describe_levers(b))}</p>"
        f"<p>{n:,} replications each with seed {a.sim.seed} (common random numbers: replication "
        "<i>i</i> of A and of B draws the same numbers), horizon "
        f"{a.sim.weeks} weeks. A and B: Wilson intervals (probabilities) and delta-method "
        "intervals (hazard); A − B: paired t-intervals (<code>sim.metrics.paired_headlines</code>"
        "), the hazard's by linearising its ratio replication by replication.</p>"
        + assumed_values_html(a, b))


# --------------------------------------------------------------------------------------------- #
# The rules card
# --------------------------------------------------------------------------------------------- #
def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:g}" if isinstance(value, float) else str(value)


def rules_html(cfg: Config) -> str:
    """The rulebook for ``cfg`` as HTML: each rule with its parameters (value and provenance
    class), its quotes with their roles (supports, constrains, counterfactual) and assumption."""
    parts = []
    for row in rulebook.rows(cfg):
        params = "".join(
            f"<li><code>{escape(p['key'])}</code>&nbsp;=&nbsp;{escape(_value_text(p['value']))} "
            f"<span class='kind kind-{escape(p['kind'])}' title='{escape(p['source'])}'>"
            f"{escape(p['kind'])}</span></li>"
            for p in row["params"])
        quotes = "".join(
            f"<blockquote><b>{escape(q['id'])}</b> <span class='role role-{escape(q['role'])}'>"
            f"{escape(q['role'])}</span> “{escape(q['text'])}”</blockquote>"
            for q in row["quotes"])
        does = re.sub(r"(?::\w+:`|``)(.+?)`+", r"<code>\1</code>", escape(row["does"]))
        html = [(f"<div class='rule'><p><b>{escape(row['rule'])}</b> — "
                 f"<i>{escape(row['actor'])}</i><br>{does}</p>")]
        if params:
            html.append(f"<ul class='params'>{params}</ul>")
        html.append(quotes)
        if row["assumption"]:
            html.append(f"<p class='assumption'>Assumption: {escape(row['assumption'])}</p>")
        html.append("</div>")
        parts.append("".join(html))
    legend = ("<p class='legend'>Quote roles: <span class='role role-supports'>supports</span> "
              "the words state the stance; <span class='role role-constrains'>constrains</span> "
              "the words limit the rule; <span class='role role-counterfactual'>counterfactual"
              "</span> a lever value departs from the words. Parameter classes: quote, cited, "
              "calibrated, assumption, lever, run (hover for the source).</p>")
    return "<div class='ceasefire-rules'>" + legend + "<hr>".join(parts) + "</div>"


def parameters_html(cfg: Config) -> str:
    """Every model parameter of ``cfg`` with its value, provenance class, source and plausible
    range (the rulebook's parameter table)."""
    rows = []
    for key, f, value in iter_params(cfg):
        if key.split(".")[0] not in MODEL_GROUPS:
            continue
        p = rulebook.param_row(key, value, f)
        plausible = ("—" if p["plausible"] is None else
                     f"{_value_text(p['plausible'][0])} – {_value_text(p['plausible'][1])}")
        rows.append(f"<tr><td><code>{escape(key)}</code></td>"
                    f"<td class='num'>{escape(_value_text(value))}</td>"
                    f"<td><span class='kind kind-{escape(p['kind'])}'>{escape(p['kind'])}</span>"
                    f"</td><td>{escape(p['source'])}</td><td class='num'>{escape(plausible)}</td>"
                    "</tr>")
    return ("<table class='ceasefire-outcomes ceasefire-params'><thead><tr><th>parameter</th>"
            "<th>value</th><th>class</th><th>source</th><th>plausible</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def missing_assets_message() -> str | None:
    """A warning naming the missing offline browser assets, or ``None`` if all are installed."""
    missing = dashboard_assets.check()
    if not missing:
        return None
    names = ", ".join(p.name for p in missing)
    return (f"Dashboard browser assets are missing ({names}): without them the page needs the "
            "internet and may stay blank or lack charts. Install them once with "
            "`ceasefire-sim-install-dashboard-assets`.")


# --------------------------------------------------------------------------------------------- #
# The paths plot
# --------------------------------------------------------------------------------------------- #
_PERCENT = 100.0  # shares of Ukraine are plotted in per cent (the claim gap in points)
#: Panels of the paths plot: (reporter column, title, y label, scale).
PATH_PANELS: tuple[tuple[str, str, str, float], ...] = (
    ("phase", "Phase", "", 1.0),
    ("territory", "Russian-held territory and claim gap", "per cent of Ukraine", _PERCENT),
    ("troops_deployed", "Troops deployed", "thousands", 1e-3),
    ("credibility", "Guarantee credibility (Ukraine's view)", "0 – 1", 1.0),
    ("threat", "Russia's threat perception", "index", 1.0),
    ("martial_law", "Martial law in Ukraine", "", 1.0),
)
_PAD = 0.1  # share of a panel's range added above and below the data
_PATHS_LAYOUT = {"left": 0.095, "right": 0.97, "top": 0.9, "bottom": 0.15, "wspace": 0.42,
                 "hspace": 0.3}  # figure fractions of the 12 × 6.2 in paths figure
_CAPTION_WIDTH = 190  # characters per caption line under the paths figure


def _phase_panel(ax: Axes, weeks: np.ndarray, phase: np.ndarray) -> None:
    start = 0
    for i in range(1, len(phase) + 1):
        if i == len(phase) or phase[i] != phase[start]:
            end = weeks[i] if i < len(phase) else weeks[-1] + 1
            ax.axvspan(weeks[start], end, color=PHASE_COLOURS[PHASES[int(phase[start])]],
                       alpha=0.6, linewidth=0)
            start = i
    ax.step(weeks, phase, where="post", color=OKABE_ITO["black"], linewidth=1.2)
    ax.set_yticks(range(len(PHASES)), PHASES)
    ax.set_ylim(-0.5, len(PHASES) - 0.5)
    for label in ax.get_yticklabels():  # tick labels in their phase's colour: the legend
        label.set_color(PHASE_COLOURS[label.get_text()])
        label.set_fontweight("bold")


def _limits(values: np.ndarray, *, zero: bool = False, min_top: float = 0.0
            ) -> tuple[float, float]:
    lo, hi = float(np.min(values)), float(np.max(values))
    if zero:
        lo = min(lo, 0.0)
    pad = max(_PAD * (hi - lo), _PAD * max(abs(hi), 1.0) / 2)
    return (lo if zero else lo - pad), max(hi + pad, min_top)


def _territory_panel(ax: Axes, weeks: np.ndarray, df: pd.DataFrame) -> None:
    held = df["territory"].to_numpy(dtype=float) * _PERCENT
    gap = df["claim_gap"].to_numpy(dtype=float) * _PERCENT
    ax.plot(weeks, held, color=OKABE_ITO["blue"], linewidth=1.8, label="held (left)")
    ax.set_ylim(*_limits(held))
    ax.set_ylabel("held, % of Ukraine", color=OKABE_ITO["blue"])
    right = ax.twinx()
    right.plot(weeks, gap, color=OKABE_ITO["vermillion"], linewidth=1.8, linestyle="--",
               label="claim gap (right)")
    right.set_ylim(*_limits(gap, zero=True))
    right.set_ylabel("claim gap, pp", color=OKABE_ITO["vermillion"])
    lines = ax.get_lines() + right.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], fontsize=8, loc="best")


def paths_figure(df: pd.DataFrame, horizon: int, caption_text: str) -> Figure:
    """Six panels of one run's weekly paths so far (the model's DataCollector variables).

    Args:
        df: ``model.datacollector.get_model_vars_dataframe()``: one row per week from week 0.
        horizon: Weeks of the run (the x axes span 0..horizon).
        caption_text: Line printed under the panels.
    """
    fig = Figure(figsize=(12.0, 6.2))
    axes = fig.subplots(2, 3, sharex=True)
    fig.subplots_adjust(**_PATHS_LAYOUT)  # fixed: a constrained layout doubles the drawing time
    weeks = np.arange(len(df))
    for ax, (col, title, unit, scale) in zip(axes.flat, PATH_PANELS, strict=True):
        values = df[col].to_numpy(dtype=float) * scale
        if col == "phase":
            _phase_panel(ax, weeks, values.astype(int))
        elif col == "territory":
            _territory_panel(ax, weeks, df)
        elif col == "martial_law":
            ax.step(weeks, values, where="post", color=OKABE_ITO["reddish_purple"], linewidth=1.8)
            ax.set_yticks([0, 1], ["lifted", "in force"])
            ax.set_ylim(-0.25, 1.25)
        else:
            ax.plot(weeks, values, color=OKABE_ITO["blue"], linewidth=1.8,
                    drawstyle="steps-post" if col == "troops_deployed" else None)
            ax.plot(weeks[-1:], values[-1:], "o", color=OKABE_ITO["blue"])
            if col == "credibility":
                ax.set_ylim(0.0, 1.0 + _PAD)  # a share: the whole range
            else:  # counts and an index: from zero, at least one unit tall
                ax.set_ylim(*_limits(values, zero=True, min_top=1.0))
            ax.set_ylabel(unit)
        ax.set_title(title, fontsize=11)
        ax.set_xlim(0, horizon)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("week")
    fig.suptitle(f"Week {len(df) - 1} of {horizon}: phase {PHASES[int(df['phase'].iloc[-1])]}",
                 fontsize=13)
    fig.text(0.01, 0.005, textwrap.fill(caption_text, _CAPTION_WIDTH), fontsize=8, ha="left",
             va="bottom")
    return fig


# --------------------------------------------------------------------------------------------- #
# The server: answer only requests addressed to this machine's loopback names or to --host
# --------------------------------------------------------------------------------------------- #
LOOPBACK_NAMES: frozenset[str] = frozenset({"localhost", "127.0.0.1", "::1"})
_WILDCARDS = frozenset({"", "0.0.0.0", "::"})
BAD_HOST_BODY = b"400 Bad Request: this dashboard does not answer requests for that host name.\n"
ASGIApp = Callable[[MutableMapping[str, Any], Callable[..., Awaitable[Any]],
                    Callable[..., Awaitable[Any]]], Awaitable[None]]


def _host_name(value: str) -> str | None:
    """The host name of a ``Host`` header or ``--host`` value, lower case, without the port."""
    text = value.strip().lower()
    try:
        name = urlsplit(f"//{text}").hostname
    except ValueError:
        return None
    return None if name is None else name.rstrip(".")


def allowed_hosts(server_name: str | None = None,
                  extra: Sequence[str] = ()) -> frozenset[str]:
    """The host names the server answers: the loopback names, plus the host it was bound to.

    Args:
        server_name: The ``--host`` given to ``solara run`` (which sets ``$SERVER_NAME``).
            A wildcard bind (``0.0.0.0``, ``::``) also allows this machine's name and addresses.
        extra: Further names (``--allow-host``).
    """
    names = set(LOOPBACK_NAMES)
    for value in (server_name or "", *extra):
        name = _host_name(value) if value.strip() not in _WILDCARDS else value.strip()
        if name:
            names.add(name)
    if server_name is not None and server_name.strip() in _WILDCARDS - {""}:
        hostname = socket.gethostname()
        names.update({hostname.lower(), socket.getfqdn(hostname).lower()})
        try:
            names.update(socket.gethostbyname_ex(hostname)[2])
        except OSError:
            pass
    return frozenset(names)


def host_allowed(header: str | None, allowed: frozenset[str]) -> bool:
    """Whether a request's ``Host`` header names one of ``allowed`` (a missing header does not)."""
    if not header:
        return False
    name = _host_name(header)
    return name is not None and name in allowed


class HostGuard:
    """ASGI middleware: a request whose ``Host`` is not allowed gets 400 (a websocket: closed).

    Checking the host name keeps pages on other sites from reaching the dashboard through a
    name that resolves to this machine (DNS rebinding).
    """

    marker = "ceasefire_sim_host_guard"

    def __init__(self, app: ASGIApp, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed
        setattr(self, self.marker, True)

    async def __call__(self, scope: MutableMapping[str, Any],
                       receive: Callable[..., Awaitable[Any]],
                       send: Callable[..., Awaitable[Any]]) -> None:
        """Pass allowed requests (and lifespan events) on; refuse the others."""
        if scope["type"] in ("http", "websocket"):
            header = next((v.decode("latin-1") for k, v in scope.get("headers", ())
                           if k.lower() == b"host"), None)
            if not host_allowed(header, self.allowed):
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                await send({"type": "http.response.start", "status": 400,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"content-length", str(len(BAD_HOST_BODY)).encode())]})
                await send({"type": "http.response.body", "body": BAD_HOST_BODY})
                return
        await self.app(scope, receive, send)


ALLOW_HOSTS_ENV = "CEASEFIRE_SIM_ALLOWED_HOSTS"  # extra names from --allow-host, comma-separated


def install_host_guard(starlette_app: Any, allowed: frozenset[str] | None = None) -> bool:
    """Put :class:`HostGuard` in front of Solara's Starlette app (once); True if installed now.

    Solara has no option for this. ``solara run`` imports this module while the app starts (its
    lifespan), when Starlette has already built its middleware stack, so the guard wraps that
    stack; before the first call it is added as the outermost middleware instead.
    """
    if allowed is None:
        extra = [h for h in os.environ.get(ALLOW_HOSTS_ENV, "").split(",") if h.strip()]
        allowed = allowed_hosts(os.environ.get("SERVER_NAME"), extra)
    stack = getattr(starlette_app, "middleware_stack", None)
    if stack is None:
        if any(getattr(m, "kwargs", {}).get("marker") == HostGuard.marker
               for m in starlette_app.user_middleware):
            return False
        from starlette.middleware import Middleware

        starlette_app.user_middleware.insert(0, Middleware(_host_guard_factory, allowed=allowed,
                                                           marker=HostGuard.marker))
        return True
    if getattr(stack, HostGuard.marker, False):
        return False
    starlette_app.middleware_stack = HostGuard(stack, allowed)
    return True


def _host_guard_factory(app: ASGIApp, allowed: frozenset[str], marker: str) -> HostGuard:
    return HostGuard(app, allowed)


def _install_in_solara_server() -> None:
    server = sys.modules.get("solara.server.starlette")
    if server is not None and install_host_guard(server.app):
        _log.info("dashboard: answering only requests for %s",
                  ", ".join(sorted(allowed_hosts(os.environ.get("SERVER_NAME")))))


_install_in_solara_server()


# --------------------------------------------------------------------------------------------- #
# Components
# --------------------------------------------------------------------------------------------- #
# Readable text: solara.Markdown would fetch mermaid from a CDN, so the page uses plain HTML.
CSS = """
.ceasefire-text { font-size: 15px; line-height: 1.5; }
.ceasefire-text p { margin: 0 0 8px 0; }
.ceasefire-outcomes { border-collapse: collapse; margin: 8px 0; font-size: 15px; }
.ceasefire-outcomes th, .ceasefire-outcomes td { padding: 4px 10px; border-bottom: 1px solid #ddd; }
.ceasefire-outcomes th { text-align: left; }
.ceasefire-outcomes td.num { text-align: right; font-variant-numeric: tabular-nums;
                             white-space: nowrap; }
.ceasefire-outcomes .ci { color: #555; font-size: 13px; }
.ceasefire-rules { font-size: 14px; line-height: 1.45; }
.ceasefire-rules p { margin: 6px 0; }
.ceasefire-rules ul.params { margin: 2px 0 4px 0; padding-left: 18px; }
.ceasefire-rules blockquote { margin: 4px 0 4px 12px; padding-left: 8px;
                              border-left: 3px solid #0072B2; color: #333; }
.ceasefire-rules .assumption { color: #555; font-style: italic; }
.ceasefire-rules code { font-size: 13px; }
.ceasefire-params { font-size: 13px; }
.ceasefire-params td { vertical-align: top; }
.role, .kind { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 12px;
               font-style: normal; border: 1px solid #999; color: #222; }
.role-supports { background: #d7eefa; border-color: #56B4E9; }
.role-constrains { background: #fbe9c7; border-color: #E69F00; }
.role-counterfactual { background: #f5dcea; border-color: #CC79A7; }
.kind { background: #f0f0f0; }
.assumed { background: #f7f7f7; padding: 6px 8px; border-left: 3px solid #E69F00; }
/* Sliders: the label on its own line, the value bubble always shown between label and track,
   large enough for its text. */
.ceasefire-levers .v-input__slider { margin-top: 4px; }
.ceasefire-levers .v-input__slider .v-input__slot { flex-wrap: wrap; }
.ceasefire-levers .v-input__slider .v-label { flex: 1 0 100%; max-width: 100%;
  white-space: normal; margin: 0 0 60px 0 !important; line-height: 1.3; height: auto; }
.ceasefire-levers .v-slider__thumb-label { width: 40px !important; height: 40px !important;
  font-size: 13px; }
.ceasefire-levers .v-slider { margin-left: 30px; margin-right: 30px; }
"""


def _html(text: str) -> None:
    solara.HTML(tag="div", unsafe_innerHTML=text, classes=["ceasefire-text"])


def _internal_error(action: str, exc: BaseException | None) -> str:
    """A message for an unexpected failure: its kind only (never its text, which may hold a
    server path; the details are in the server log)."""
    kind = type(exc).__name__ if exc is not None else "error"
    return f"{action} failed ({kind}); the server log has the details."


def _logged(action: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func``, logging any exception it raises (with its traceback) to the server log."""

    def run(*args: Any) -> Any:
        try:
            return func(*args)
        except Exception:
            _log.exception("dashboard: %s failed", action)
            raise

    return run


@solara.component
def LeverInputs(values: Mapping[str, Any], on_value: Callable[[str, Any], None],
                prefix: str = "") -> None:
    """The lever inputs (selects, switches, sliders), starting at ``values``.

    The inputs keep their own state as the user moves them and report each change through
    ``on_value``; the page never pushes a value back into an input it is moving (a late echo of
    an earlier value would undo the later moves). To show other values, remount the inputs with
    a new key.

    Args:
        values: Starting values keyed by the names in :data:`LEVERS` (configuration units).
        on_value: Called with (lever name, new value in configuration units).
        prefix: Put before every label (to tell B's inputs from A's).
    """
    with solara.Div(classes=["ceasefire-levers"]):
        for name, lever in LEVERS.items():
            value, label = values[name], f"{prefix}{lever.label}"

            def change(new: Any, name: str = name, lever: Lever = lever) -> None:
                if lever.kind in ("int", "float") and not isinstance(new, bool):
                    new = new * lever.unit if lever.unit != 1.0 else new
                on_value(name, new)

            if lever.kind == "select":
                solara.Select(label, value=value, values=list(lever.choices), on_value=change)
            elif lever.kind == "switch":
                solara.Switch(label=label, value=bool(value), on_value=change)
            elif lever.kind == "int":
                lo, hi = lever.bounds(value)
                solara.SliderInt(label, value=round(value / lever.unit), min=lo, max=hi,
                                 step=int(lever.step or 1), on_value=change, thumb_label="always")
            else:
                lo, hi = lever.bounds(value)
                solara.SliderFloat(label, value=float(value), min=lo, max=hi, step=lever.step,
                                   on_value=change, thumb_label="always")


@solara.component
def PresetCard(preset: str, on_preset: Callable[[str], None]) -> None:
    """Sidebar card: choose a scenario preset; explains how the levers apply."""
    with solara.Card("Scenario preset"):
        solara.Select("Scenario preset", value=preset, values=list(PRESETS), on_value=on_preset)
        _html(f"<p>{escape(preset_description(preset))}</p>"
              "<p>Picking a preset rebuilds the model with its values. Change the levers, then "
              "press <b>Reset</b> to rebuild the model with them (the preset stays); "
              "<b>Step</b> advances one week, <b>▶</b> plays.</p>")


@dataclass(frozen=True)
class Snapshot:
    """What the page shows of a model, copied under the session's lock (a consistent week).

    Attributes:
        model_id: The model's serial number (a new model is a new run).
        week: The model's week.
        weeks: The horizon.
        running: False once the horizon is reached.
        cfg: The model's configuration.
        paths: The weekly reporter values so far (one row per week from week 0).
    """

    model_id: int
    week: int
    weeks: int
    running: bool
    cfg: Config
    paths: pd.DataFrame

    @classmethod
    def of(cls, model: DashboardModel) -> Snapshot:
        """Copy what the page needs from ``model`` (call with the model's lock held)."""
        return cls(model.serial, model.week, model.weeks, model.running, model.cfg,
                   model.datacollector.get_model_vars_dataframe())

    @property
    def now(self) -> dict[str, Any]:
        """This week's reporter values."""
        return self.paths.iloc[-1].to_dict()


@solara.component
def StatusCard(snap: Snapshot) -> None:
    """The current week's state and the levers the model was built with."""
    now = snap.now
    with solara.Card("This run"):
        _html(f"<p><b>Week {snap.week} of {snap.weeks}</b> · phase "
              f"<b>{PHASES[int(now['phase'])]}</b> · "
              f"Russian-held territory {100 * now['territory']:.1f}% · "
              f"claim gap {100 * now['claim_gap']:.1f} pp · "
              f"threat {now['threat']:.2f} · credibility {now['credibility']:.2f} · "
              f"troops deployed {now['troops_deployed']:,.0f} · "
              f"members {int(now['members_remaining'])} · strikes {int(now['strikes_cum'])} · "
              f"martial law {'in force' if now['martial_law'] else 'lifted'}</p>"
              f"<p>Levers in force: {escape(describe_levers(snap.cfg))}</p>")


@solara.component
def PathsPlot(snap: Snapshot) -> None:
    """Plots of the run's weekly paths so far."""

    def make() -> Figure:
        text = f"One run of the model (replication 0) | {describe_levers(snap.cfg)}"
        return paths_figure(snap.paths, snap.weeks, text)

    key = [snap.model_id, snap.week]
    fig = solara.use_memo(make, dependencies=key)
    solara.FigureMatplotlib(fig, dependencies=key, format="png", dpi=96)


@solara.component
def ReplicationsCard(cfg: Config) -> None:
    """Runs 1,000 replications of the settings in force; shows outcome probabilities."""
    task = solara.lab.use_task(
        _logged("replications", lambda c: (describe_levers(c), run_replications(c))),
        dependencies=None)
    current = describe_levers(cfg)
    with solara.Card("Many runs: outcome probabilities"):
        _html(f"<p>One run shows one possible future. Press the button to run "
              f"{REPLICATIONS:,} replications of the settings in force (batched engine, common "
              "random numbers from the seed) and see how likely each outcome is at the "
              "horizon, with 95% Wilson intervals.</p>")
        solara.Button(f"Run {REPLICATIONS:,} replications", color="primary",
                      on_click=lambda: task(cfg), disabled=task.pending)
        solara.ProgressLinear(task.pending)
        if task.error:
            solara.Error(_internal_error("The replications", task.exception))
        elif task.finished and task.value is not None:
            levers, res = task.value
            _html(outcome_html(res.summary) + f"<p>Settings: {escape(levers)}</p>")
            if levers != current:
                solara.Warning("The settings have changed since this run: press the button "
                               "again for the current ones.")
            OutcomesPlot(res)


@solara.component
def OutcomesPlot(res: Results) -> None:
    """Bar chart of the outcome probabilities of a replications run (:func:`plot_outcomes`)."""
    fig = solara.use_memo(
        lambda: plot_outcomes(res.summary, caption(res.config.name, res.config.sim.replications,
                                                   res.config.sim.seed)),
        dependencies=[id(res)])
    solara.FigureMatplotlib(fig, dependencies=[id(res)], format="png", dpi=80)


def _compare_key(cfg_a: Config, preset_b: str, levers_b: Mapping[str, Any]) -> str:
    """What a comparison was run for: A's settings and B's preset and levers."""
    return f"{describe_levers(cfg_a)}|{preset_b}|{sorted(levers_b.items())}"


def _run_compare(cfg_a: Config, preset_b: str, levers_b: dict[str, Any]
                 ) -> tuple[str, Comparison | str]:
    """The compare task: (settings key, comparison) or (settings key, the ConfigError text)."""
    key = _compare_key(cfg_a, preset_b, levers_b)
    try:
        cfg_b = compare_config(cfg_a, preset_b, levers_b)
    except ConfigError as err:
        return key, f"B is not valid: {err}"
    return key, compare(cfg_a, cfg_b)


@solara.component
def CompareCard(cfg: Config) -> None:
    """A/B: the settings in force against another preset or lever set, paired differences."""
    preset_b = solara.use_reactive(DEFAULT_COMPARE_PRESET)
    initial = solara.use_memo(lambda: lever_values(preset_config(DEFAULT_COMPARE_PRESET)),
                              dependencies=[])
    levers_b = solara.use_reactive(initial)
    start_b = solara.use_memo(lambda: dict(levers_b.value), dependencies=[preset_b.value])
    task = solara.lab.use_task(_logged("comparison", _run_compare), dependencies=None)

    def choose_b(name: str) -> None:
        try:
            levers_b.set(lever_values(preset_config(name)))
        except ConfigError:
            return
        preset_b.set(name)

    def set_b(name: str, value: Any) -> None:
        levers_b.set({**levers_b.value, name: value})

    try:
        cfg_b: Config | None = compare_config(cfg, preset_b.value, levers_b.value)
        b_error = None
    except ConfigError as err:
        cfg_b, b_error = None, str(err)
    key = _compare_key(cfg, preset_b.value, levers_b.value)
    with solara.Card("Compare A and B (paired, 1,000 replications each)"):
        _html("<p><b>A</b> is the settings in force (the preset and levers of this run). "
              "<b>B</b> is another preset, whose levers you can change below. Both run "
              f"{REPLICATIONS:,} times with A's seed and horizon, so replication <i>i</i> of A and "
              "of B share their random numbers and the differences are paired.</p>")
        if cfg_b is not None:
            _html(assumed_values_html(cfg, cfg_b))
        solara.Select("B: scenario preset", value=preset_b.value, values=list(PRESETS),
                      on_value=choose_b)
        _html(f"<p><i>{escape(preset_description(preset_b.value))}</i></p>")
        with solara.Details("B: levers", expand=False):
            LeverInputs(start_b, set_b, prefix="B: ").key(f"b-{preset_b.value}")
        if b_error:
            solara.Error(f"B is not valid: {b_error}")
        solara.Button("Compare A and B", color="primary", on_click=lambda: task(
            cfg, preset_b.value, dict(levers_b.value)), disabled=task.pending or bool(b_error))
        solara.ProgressLinear(task.pending)
        if task.error:
            solara.Error(_internal_error("The comparison", task.exception))
        elif task.finished and task.value is not None:
            ran, result = task.value
            if isinstance(result, str):
                solara.Error(result)
            else:
                _html(compare_html(result))
                if ran != key:
                    solara.Warning("A or B has changed since this comparison: press the button "
                                   "again for the current settings.")


@solara.component
def RulesCard(cfg: Config) -> None:
    """The rules in force (parameters with provenance class, quotes with their roles), and
    every parameter with its provenance."""
    key = [describe_levers(cfg)]  # the preset, every lever and the seed
    rules = solara.use_memo(lambda: rules_html(cfg), dependencies=key)
    params = solara.use_memo(lambda: parameters_html(cfg), dependencies=key)
    with solara.Card("Rules in force"):
        with solara.Div(style={"max-height": "640px", "overflow-y": "auto",
                               "padding-right": "8px"}):
            solara.HTML(tag="div", unsafe_innerHTML=rules)
        with solara.Details("All parameters and their provenance", expand=False):
            solara.HTML(tag="div", unsafe_innerHTML=params)


@solara.component
def Controls(snap: Snapshot, playing: solara.Reactive[bool], idle: bool,
             on_reset: Callable[[], None], on_step: Callable[[], None],
             error: str | None, pending: Sequence[str]) -> None:
    """Reset / ▶ / Step, the run's state, and the error of the last Reset or the changed levers
    that the next Reset applies."""
    with solara.Card("Controls"):
        with solara.Row(justify="space-between"):
            solara.Button(label="Reset", color="primary", on_click=on_reset)
            solara.Button(label="❚❚" if playing.value else "▶", color="primary",
                          on_click=lambda: playing.set(not playing.value),
                          disabled=not snap.running)
            solara.Button(label="Step", color="primary", on_click=on_step,
                          disabled=playing.value or not idle or not snap.running)
        where = f"week {snap.week} of {snap.weeks}"
        if playing.value:
            state = f"Playing: {where}"
        elif not snap.running:
            state = f"Finished: {where}"
        elif idle:  # the play loop has ended: nothing steps the model until Step or ▶
            state = f"Paused at {where}"
        else:
            state = f"Pausing: {where}"
        solara.HTML(tag="div", unsafe_innerHTML=escape(state),
                    classes=["ceasefire-text", "ceasefire-state"])
        if error:
            solara.Error(error, classes=["ceasefire-reset-error"])
        if pending:
            solara.Info("Changed levers take effect when you press Reset: "
                        + "; ".join(pending) + ".", classes=["ceasefire-pending"])


@solara.component
def Dashboard() -> None:
    """The page's content: one session's model, its controls and views.

    The model is stepped by the Step button or by the play loop (a thread), always under the
    session's lock; the page shows a :class:`Snapshot` copied under that lock. The play loop
    steps once the page has shown the previous week, so the page keeps up on a slow machine.
    """
    preset = solara.use_reactive(DEFAULT_PRESET)
    first = solara.use_memo(lambda: DashboardModel(preset=DEFAULT_PRESET), dependencies=[])
    model = solara.use_reactive(first)
    week = solara.use_reactive(0)
    levers = solara.use_reactive(lever_values(first.cfg))  # the values on the page
    seed = solara.use_reactive(str(first.cfg.sim.seed))
    form = solara.use_reactive(0)  # the inputs are remounted (with the values above) when it moves
    playing = solara.use_reactive(False)
    error = solara.use_reactive(cast(str | None, None))
    lock = solara.use_memo(threading.RLock, dependencies=[])  # guards stepping and snapshots
    shown = solara.use_memo(threading.Event, dependencies=[])  # set once a week is on the page

    def rebuild(new: DashboardModel) -> None:
        # No reactive is set with the lock held: setting one may render at once, and the render
        # takes the lock for its snapshot. A step of the old model still under way is harmless.
        playing.set(False)
        model.set(new)
        week.set(new.week)
        error.set(None)

    def choose(name: str) -> None:
        try:
            new = DashboardModel(preset=name)
        except ConfigError as err:
            error.set(f"Not applied: {err}. The model in force is unchanged.")
            return
        preset.set(name)
        levers.set(lever_values(new.cfg))
        seed.set(str(new.cfg.sim.seed))
        form.set(form.value + 1)
        rebuild(new)

    def reset() -> None:
        try:
            new = DashboardModel(preset=preset.value, rng=seed.value, **levers.value)
        except ConfigError as err:
            error.set(f"Not applied: {err}. The model in force is unchanged.")
            return
        rebuild(new)

    def step() -> None:
        with lock:
            current = model.value
            if playing.value or not current.running:
                return
            current.step()
            now = current.week
        week.set(now)

    def play(cancel: threading.Event) -> None:
        current = model.value
        try:
            while playing.value and current.running and not cancel.is_set():
                with lock:
                    if model.value is not current:
                        return
                    current.step()
                    now = current.week
                shown.clear()
                week.set(now)
                while not shown.is_set() and not cancel.is_set():  # until the page shows it
                    shown.wait(PLAY_INTERVAL_S)
                cancel.wait(PLAY_INTERVAL_S)
            if not current.running and model.value is current:
                playing.set(False)
        except Exception as exc:  # noqa: BLE001 - the page shows a message, never stops silently
            _log.exception("dashboard: the run failed")
            playing.set(False)
            error.set(_internal_error("The run", exc))

    loop = solara.use_thread(play, dependencies=[playing.value, model.value.serial],
                             intrusive_cancel=False)
    idle = loop.state not in (solara.ResultState.STARTING, solara.ResultState.WAITING,
                              solara.ResultState.RUNNING)

    def take() -> Snapshot:
        with lock:
            return Snapshot.of(model.value)

    snap = solara.use_memo(take, dependencies=[model.value.serial, week.value])
    solara.use_effect(shown.set, dependencies=[snap.model_id, snap.week])

    try:
        seed_error = None
        parse_seed(seed.value, snap.cfg.sim.seed)
    except ConfigError as err:
        seed_error = str(err)
    pending = pending_changes(snap.cfg, levers.value, seed.value)
    start = solara.use_memo(lambda: (dict(levers.value), seed.value), dependencies=[form.value])
    warning = solara.use_memo(missing_assets_message, dependencies=[])

    solara.Style(CSS)
    solara.Title("ceasefire-sim dashboard")
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        PresetCard(preset.value, choose)
        Controls(snap, playing, idle, reset, step, error.value, pending)
        with solara.Card("Levers (applied on Reset)"):
            LeverInputs(start[0], lambda name, value: levers.set({**levers.value, name: value})
                        ).key(f"levers-{form.value}")
            solara.InputText("Random seed", value=start[1], on_value=seed.set,
                             error=seed_error or False).key(f"seed-{form.value}")
    with solara.Column(style={"padding": "8px 16px"}):
        if warning:
            solara.Warning(warning)
        StatusCard(snap)
        PathsPlot(snap)
        CompareCard(snap.cfg)
        with solara.Columns([1, 1]):
            ReplicationsCard(snap.cfg)
            RulesCard(snap.cfg)


@solara.component
def Page() -> None:
    """The dashboard page. An unexpected error shows a short message, never a traceback."""
    exception, clear = solara.use_exception()

    def log() -> None:
        if exception is not None:
            _log.error("dashboard: the page failed", exc_info=exception)

    solara.use_effect(log, dependencies=[id(exception)])
    # One root element in each branch: reacton mis-reconciles an error view whose root is a
    # container of the same type as the failed content's, and renders the failed content again.
    if exception is not None:
        with solara.Error(_internal_error("The dashboard", exception)):
            solara.Button("Start again", color="primary", on_click=clear)
        return
    Dashboard()


# --------------------------------------------------------------------------------------------- #
# Command line: ceasefire-sim-dashboard
# --------------------------------------------------------------------------------------------- #
def dashboard_command(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
                      production: bool = True) -> list[str]:
    """The ``solara run`` command line that serves this page."""
    cmd = [sys.executable, "-m", "solara", "run", "sim.app", "--host", host, "--port", str(port),
           "--no-open", "--no-check-version"]
    if production:
        cmd.append("--production")
    return cmd


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``ceasefire-sim-dashboard``: serve the dashboard (replaces this process)."""
    parser = argparse.ArgumentParser(
        prog="ceasefire-sim-dashboard",
        description="Serve the interactive dashboard in the browser. It answers only requests "
                    "addressed to localhost, 127.0.0.1, [::1] or the --host given.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"interface to bind (default {DEFAULT_HOST}: this machine only); "
                             "use only on a trusted network, the page has no login")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="a further host name the page may be opened under (repeatable)")
    parser.add_argument("--dev", action="store_true",
                        help="development mode: reload on code changes, unminified assets")
    args = parser.parse_args(argv)

    message = missing_assets_message()
    if message:
        print(f"warning: {message}", file=sys.stderr)
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    # Solara warns on every page load that a plain-http 127.0.0.1 gets samesite=lax cookies:
    # harmless for a local server, so keep the console readable.
    os.environ.setdefault("PYTHONWARNINGS", "ignore:Cookies with samesite=none:UserWarning")
    if args.allow_host:
        os.environ[ALLOW_HOSTS_ENV] = ",".join(args.allow_host)
    cmd = dashboard_command(args.host, args.port, production=not args.dev)
    print(f"Serving the dashboard on http://{args.host}:{args.port}/ (Ctrl-C stops it)",
          file=sys.stderr, flush=True)
    os.execv(cmd[0], cmd)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
