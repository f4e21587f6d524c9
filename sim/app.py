"""The interactive dashboard: Mesa's SolaraViz page for one run of the model, in the browser.

Start it with ``ceasefire-sim-dashboard`` (or ``python -m sim.app``); it listens on
http://127.0.0.1:8765/ by default. Its browser assets must be installed once with
``ceasefire-sim-install-dashboard-assets`` (see :mod:`sim.dashboard_assets`) so that the page
works offline.

What the page offers:

* a **scenario preset** (``conf/scenario/``) whose values fill the levers;
* Mesa's **Model Parameters** card with the main levers (deployment timing, troops, US role,
  Russia's strike propensity, coalition size, seed) and **Reset / ▶ / Step**; changed levers take
  effect when the model is reset;
* live plots of the weekly paths (phase, territory, threat, troops deployed, members, strikes);
* the **rules in force** with their parameters and the article's quotes;
* a button that runs **1,000 replications** of the current settings on the batched engine and
  shows the outcome probabilities with 95% intervals.

This module holds no model logic: it maps UI values to configuration keys
(:func:`dashboard_config`) and shows what :mod:`sim.model`, :mod:`sim.experiment`,
:mod:`sim.rulebook` and :mod:`sim.plots` compute. Each browser session builds its own model
inside :func:`Page`; nothing model-related is created at module level.
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from html import escape
from typing import Any

import numpy as np
import pandas as pd
import solara
import solara.lab
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim import dashboard_assets, experiment, rulebook
from sim.api import compose_config
from sim.config import MAX_MEMBERS, TIMINGS, US_ROLES, Config, ConfigError, validate
from sim.experiment import Results
from sim.metrics import OUTCOMES, PHASES
from sim.model import CeasefireModel
from sim.plots import OKABE_ITO, OUTCOME_LABELS, PHASE_COLOURS, caption, plot_outcomes
from sim.resources import conf_dir

__all__ = [
    "DEFAULT_HOST", "DEFAULT_PORT", "DEFAULT_PRESET", "LEVERS", "PRESETS", "REPLICATIONS",
    "DashboardModel", "Page", "dashboard_command", "dashboard_config", "lever_values",
    "main", "missing_assets_message", "model_params", "outcome_html", "outcome_table",
    "paths_figure",
    "preset_config", "preset_description", "replication_config", "rules_html",
    "run_replications",
]

_log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_PRESET = "article_baseline"
REPLICATIONS = 1000
TITLE = "ceasefire-sim — what if? (one run of the model, week by week)"

#: The scenario presets, the article's baseline first.
PRESETS: tuple[str, ...] = tuple(
    sorted((p.stem for p in (conf_dir() / "scenario").glob("*.yaml")),
           key=lambda name: (name != DEFAULT_PRESET, name))
)

#: The levers on the page: model keyword (a flat ``group_field`` name) -> configuration key.
LEVERS: dict[str, str] = {
    "deployment_timing": "deployment.timing",
    "deployment_troops_total": "deployment.troops_total",
    "us_role": "us.role",
    "russia_strike_propensity": "russia.strike_propensity",
    "coalition_members": "coalition.members",
}

# Slider ranges of the page (the configuration allows more; these are the readable ranges).
TROOPS_MAX, TROOPS_STEP = 100_000, 1_000
STRIKE_MAX, STRIKE_STEP = 0.2, 0.001

_COMPOSE_LOCK = threading.Lock()  # Hydra's compose API keeps global state: one at a time


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
    if preset not in PRESETS:
        raise ConfigError(f"unknown scenario preset {preset!r}: choose one of {', '.join(PRESETS)}")
    return copy.deepcopy(_composed(preset))


def preset_description(preset: str) -> str:
    """The comment at the top of a preset's YAML file (what the preset stands for)."""
    lines = (conf_dir() / "scenario" / f"{preset}.yaml").read_text(encoding="utf-8").splitlines()
    text = [ln.lstrip("# ").strip() for ln in lines
            if ln.startswith("#") and not ln.startswith("# @package")]
    return " ".join(t for t in text if t)


def _seed(value: Any, default: int) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise ConfigError(f"seed={value!r}: expected a whole number") from None


def dashboard_config(preset: str = DEFAULT_PRESET, levers: Mapping[str, Any] | None = None,
                     *, rng: Any = None, weeks: int | None = None) -> Config:
    """The preset's configuration with the page's lever values applied.

    Args:
        preset: Scenario preset name.
        levers: Values keyed by the names in :data:`LEVERS`; ``None`` keeps the preset's value.
        rng: Base seed (an int or its text); ``None`` keeps the preset's ``sim.seed``.
        weeks: Horizon; ``None`` keeps the preset's ``sim.weeks``.

    Raises:
        ConfigError: on an unknown preset or lever, or a value outside its allowed range.
    """
    cfg = preset_config(preset)
    for name, value in (levers or {}).items():
        if name not in LEVERS:
            raise ConfigError(f"unknown lever {name!r}: allowed {', '.join(LEVERS)}")
        if value is None:
            continue
        group, key = LEVERS[name].split(".")
        if name == "deployment_troops_total" and isinstance(value, int | np.integer):
            value = float(value)  # the slider gives whole numbers; the field is a float
        setattr(getattr(cfg, group), key, value)
    cfg.sim.seed = _seed(rng, cfg.sim.seed)
    if weeks is not None:
        cfg.sim.weeks = int(weeks)
    return validate(cfg)


def lever_values(cfg: Config) -> dict[str, Any]:
    """The lever values of a configuration, keyed by the names in :data:`LEVERS`."""
    out = {}
    for name, key in LEVERS.items():
        group, sub = key.split(".")
        out[name] = getattr(getattr(cfg, group), sub)
    return out


def describe_levers(cfg: Config) -> str:
    """One line naming the preset, every lever value and the seed."""
    v = lever_values(cfg)
    return (f"preset {cfg.name} · deployment {v['deployment_timing']} · "
            f"{v['deployment_troops_total']:,.0f} troops pledged · US role {v['us_role']} · "
            f"strike propensity {v['russia_strike_propensity']:g} · "
            f"{v['coalition_members']} members · seed {cfg.sim.seed} · {cfg.sim.weeks} weeks")


class DashboardModel(CeasefireModel):
    """:class:`~sim.model.CeasefireModel` built from a preset plus the page's levers.

    Mesa's Reset button rebuilds the model as ``DashboardModel(**model_parameters)``, so every
    input of the page is a keyword here. ``None`` keeps the preset's value.

    Args:
        preset: Scenario preset (``conf/scenario/<preset>.yaml``).
        deployment_timing: ``deployment.timing``.
        deployment_troops_total: ``deployment.troops_total``.
        us_role: ``us.role``.
        russia_strike_propensity: ``russia.strike_propensity``.
        coalition_members: ``coalition.members``.
        rng: Base seed of the common random numbers (``sim.seed``; an int or its text).
        weeks: Horizon (``sim.weeks``).

    Raises:
        ConfigError: on an unknown preset or an invalid lever value.
    """

    def __init__(self, preset: str = DEFAULT_PRESET, deployment_timing: str | None = None,
                 deployment_troops_total: float | None = None, us_role: str | None = None,
                 russia_strike_propensity: float | None = None,
                 coalition_members: int | None = None, rng: int | str | None = None,
                 weeks: int | None = None) -> None:
        levers = {
            "deployment_timing": deployment_timing,
            "deployment_troops_total": deployment_troops_total,
            "us_role": us_role,
            "russia_strike_propensity": russia_strike_propensity,
            "coalition_members": coalition_members,
        }
        cfg = dashboard_config(preset, levers, rng=rng, weeks=weeks)
        self.preset = preset
        super().__init__(config=cfg, rng=cfg.sim.seed)


def model_params(cfg: Config) -> dict[str, Any]:
    """SolaraViz ``model_params`` for :class:`DashboardModel`, starting at ``cfg``'s values.

    The preset and the horizon are fixed; the levers and the seed are inputs.
    """
    v = lever_values(cfg)
    return {
        "preset": cfg.name,
        "weeks": cfg.sim.weeks,
        "deployment_timing": {"type": "Select", "value": v["deployment_timing"],
                              "values": list(TIMINGS), "label": "Deployment timing"},
        "deployment_troops_total": {"type": "SliderInt", "value": int(v["deployment_troops_total"]),
                                    "min": 0, "max": TROOPS_MAX, "step": TROOPS_STEP,
                                    "label": "Troops pledged"},
        "us_role": {"type": "Select", "value": v["us_role"], "values": list(US_ROLES),
                    "label": "US role"},
        "russia_strike_propensity": {"type": "SliderFloat",
                                     "value": float(v["russia_strike_propensity"]),
                                     "min": 0.0, "max": STRIKE_MAX, "step": STRIKE_STEP,
                                     "label": "Russia strike propensity"},
        "coalition_members": {"type": "SliderInt", "value": int(v["coalition_members"]),
                              "min": 0, "max": MAX_MEMBERS, "step": 1,
                              "label": "Coalition members"},
        "rng": {"type": "InputText", "value": str(cfg.sim.seed), "label": "Random seed"},
    }


# --------------------------------------------------------------------------------------------- #
# What the page shows
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


def _value_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def rules_html(cfg: Config) -> str:
    """The rulebook for ``cfg`` as HTML: each rule with its parameters, quotes and assumption."""
    parts = []
    for row in rulebook.rows(cfg):
        params = ", ".join(
            f"<code>{escape(p['key'])}</code>&nbsp;=&nbsp;{escape(_value_text(p['value']))}"
            for p in row["params"])
        quotes = "".join(
            f"<blockquote><b>{escape(q['id'])}</b> “{escape(q['text'])}”</blockquote>"
            for q in row["quotes"])
        does = re.sub(r"``(.+?)``", r"<code>\1</code>", escape(row["does"]))
        html = [f"<p><b>{escape(row['rule'])}</b> — <i>{escape(row['actor'])}</i><br>{does}"]
        if params:
            html.append(f"<br>Parameters: {params}")
        html.append("</p>")
        html.append(quotes)
        if row["assumption"]:
            html.append(f"<p class='assumption'>Assumption: {escape(row['assumption'])}</p>")
        parts.append("".join(html))
    return "<div class='ceasefire-rules'>" + "<hr>".join(parts) + "</div>"


def missing_assets_message() -> str | None:
    """A warning naming the missing offline browser assets, or ``None`` if all are installed."""
    missing = dashboard_assets.check()
    if not missing:
        return None
    names = ", ".join(p.name for p in missing)
    return (f"Dashboard browser assets are missing ({names}): without them the page needs the "
            "internet and may stay blank or lack charts. Install them once with "
            "`ceasefire-sim-install-dashboard-assets`.")


PATH_PANELS: tuple[tuple[str, str, str, float], ...] = (
    ("phase", "Phase", "", 1.0),
    ("territory", "Russian-held share of Ukraine", "per cent", 100.0),
    ("threat", "Russia's threat perception", "index", 1.0),
    ("troops_deployed", "Troops deployed", "thousands", 1e-3),
    ("members_remaining", "Coalition members remaining", "count", 1.0),
    ("strikes_cum", "Strikes on the force (cumulative)", "count", 1.0),
)


_COUNT_PANELS = ("troops_deployed", "members_remaining", "strikes_cum")


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


def paths_figure(df: pd.DataFrame, horizon: int, caption_text: str) -> Figure:
    """Six panels of one run's weekly paths so far (a model DataCollector's model variables).

    Args:
        df: ``model.datacollector.get_model_vars_dataframe()``: one row per week from week 0.
        horizon: Weeks of the run (the x axes span 0..horizon).
        caption_text: Line printed under the panels.
    """
    fig = Figure(figsize=(12.0, 6.2), layout="constrained")
    axes = fig.subplots(2, 3, sharex=True)
    weeks = np.arange(len(df))
    for ax, (col, title, unit, scale) in zip(axes.flat, PATH_PANELS, strict=True):
        values = df[col].to_numpy(dtype=float)
        if col == "phase":
            _phase_panel(ax, weeks, values.astype(int))
        else:
            ax.plot(weeks, values * scale, color=OKABE_ITO["blue"], linewidth=1.8,
                    drawstyle="steps-post" if col in ("members_remaining", "strikes_cum") else None)
            ax.plot(weeks[-1:], values[-1:] * scale, "o", color=OKABE_ITO["blue"])
            lo, hi = float(np.min(values * scale)), float(np.max(values * scale))
            pad = max(0.1 * (hi - lo), 0.05 * max(abs(hi), 1.0))
            if col in _COUNT_PANELS:
                ax.set_ylim(0.0, hi + max(pad, 1.0))
            else:
                ax.set_ylim(lo - pad, hi + pad)
            ax.set_ylabel(unit)
        ax.set_title(title, fontsize=11)
        ax.set_xlim(0, horizon)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("week")
    fig.suptitle(f"Week {len(df) - 1} of {horizon}: phase {PHASES[int(df['phase'].iloc[-1])]}",
                 fontsize=13)
    fig.text(0.01, 0.005, caption_text, fontsize=8, ha="left", va="bottom")
    fig.get_layout_engine().set(rect=(0.0, 0.03, 1.0, 0.97))
    return fig


# --------------------------------------------------------------------------------------------- #
# Components
# --------------------------------------------------------------------------------------------- #
# Readable text: solara.Markdown would fetch mermaid from a CDN, so the page uses plain HTML.
CSS = """
.ceasefire-text { font-size: 15px; line-height: 1.5; }
.ceasefire-text p { margin: 0 0 8px 0; }
.ceasefire-outcomes { border-collapse: collapse; margin: 8px 0; font-size: 15px; }
.ceasefire-outcomes th, .ceasefire-outcomes td { padding: 4px 12px; border-bottom: 1px solid #ddd; }
.ceasefire-outcomes th { text-align: left; }
.ceasefire-outcomes td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ceasefire-rules { font-size: 14px; line-height: 1.45; }
.ceasefire-rules p { margin: 6px 0; }
.ceasefire-rules blockquote { margin: 4px 0 4px 12px; padding-left: 8px;
                              border-left: 3px solid #0072B2; color: #333; }
.ceasefire-rules .assumption { color: #555; font-style: italic; }
.ceasefire-rules code { font-size: 13px; }
.ceasefire-outcomes td.num:last-child { white-space: nowrap; }
/* Show every slider's value, not only while it is dragged (Mesa's inputs hide it). */
.v-slider__thumb-label-container { display: block !important; }
.v-input__slider { margin-top: 34px; }
.v-slider__thumb-label { width: 42px !important; height: 42px !important; font-size: 11px; }
"""


def _html(text: str) -> None:
    solara.HTML(tag="div", unsafe_innerHTML=text, classes=["ceasefire-text"])


@solara.component
def PresetCard(preset: str, on_preset: Callable[[str], None]) -> None:
    """Sidebar card: choose a scenario preset; explains how the levers apply."""
    with solara.Card("Scenario preset"):
        solara.Select("Scenario preset", value=preset, values=list(PRESETS), on_value=on_preset)
        _html(f"<p>{escape(preset_description(preset))}</p>"
              "<p>Picking a preset rebuilds the model with its values. Change the levers under "
              "<b>Model Parameters</b>, then press <b>Reset</b> to rebuild the model with them; "
              "<b>Step</b> advances one week, <b>▶</b> plays.</p>")


@solara.component
def StatusCard(model: CeasefireModel) -> None:
    """The current week's counters and the levers the model was built with."""
    update_counter.get()
    phase = PHASES[model.phase]
    with solara.Card("This run"):
        _html(f"<p><b>Week {model.week} of {model.weeks}</b> · phase <b>{phase}</b> · "
              f"Russian-held territory {100 * model.territory:.1f}% · "
              f"threat {model.russia.threat:.2f} · "
              f"troops deployed {model.troops_deployed():,.0f} · "
              f"members {model.members_in()} · strikes {model.strikes}</p>"
              f"<p>Levers in force: {escape(describe_levers(model.cfg))}</p>")


@solara.component
def PathsPlot(model: CeasefireModel) -> None:
    """Live plots of the run's weekly paths."""
    update_counter.get()

    def make() -> Figure:
        df = model.datacollector.get_model_vars_dataframe()
        text = f"One run of the model (replication 0) | {describe_levers(model.cfg)}"
        return paths_figure(df, model.weeks, text)

    fig = solara.use_memo(make, dependencies=[id(model), model.week])
    solara.FigureMatplotlib(fig, dependencies=[id(model), model.week], format="png", dpi=96)


@solara.component
def ReplicationsCard(model: CeasefireModel) -> None:
    """Runs 1,000 replications of the current settings; shows outcome probabilities."""
    task = solara.lab.use_task(lambda cfg: (describe_levers(cfg), run_replications(cfg)),
                               dependencies=None)
    current = describe_levers(model.cfg)
    with solara.Card("Many runs: outcome probabilities"):
        _html(f"<p>One run shows one possible future. Press the button to run "
              f"{REPLICATIONS:,} replications of the current settings (batched engine, common "
              "random numbers from the seed) and see how likely each outcome is at the "
              "horizon, with 95% Wilson intervals.</p>")
        solara.Button(f"Run {REPLICATIONS:,} replications", color="primary",
                      on_click=lambda: task(model.cfg), disabled=task.pending)
        solara.ProgressLinear(task.pending)
        if task.error:
            solara.Error(f"The replications failed: {task.exception}")
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


@solara.component
def RulesCard(model: CeasefireModel) -> None:
    """The rules in force, with their parameter values and the article's quotes."""
    text = solara.use_memo(lambda: rules_html(model.cfg), dependencies=[id(model)])
    with solara.Card("Rules in force (with the article's quotes)"):
        with solara.Div(style={"max-height": "640px", "overflow-y": "auto",
                               "padding-right": "8px"}):
            solara.HTML(tag="div", unsafe_innerHTML=text)


@solara.component
def Page() -> None:
    """The dashboard page. Each browser session gets its own model (built here, not at import)."""
    preset = solara.use_reactive(DEFAULT_PRESET)
    first = solara.use_memo(lambda: DashboardModel(preset=DEFAULT_PRESET), dependencies=[])
    model = solara.use_reactive(first)  # this session's model; Reset replaces its value

    def choose(name: str) -> None:
        model.set(DashboardModel(preset=name))
        preset.set(name)

    params = solara.use_memo(lambda: model_params(preset_config(preset.value)),
                             dependencies=[preset.value])
    warning = solara.use_memo(missing_assets_message, dependencies=[])

    solara.Style(CSS)
    with solara.Sidebar():
        PresetCard(preset.value, choose)
    with solara.Column(style={"padding": "8px 16px"}):
        if warning:
            solara.Warning(warning)
        # Keyed by the preset: choosing one remounts Mesa's controls, so the lever inputs start
        # from the preset's values and Reset uses them.
        SolaraViz(model, components=[], model_params=params, name=TITLE).key(f"viz-{preset.value}")
        StatusCard(model.value)
        PathsPlot(model.value)
        with solara.Columns([1, 1]):
            ReplicationsCard(model.value)
            RulesCard(model.value)


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
        description="Serve the interactive dashboard (Mesa SolaraViz) in the browser.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"interface to bind (default {DEFAULT_HOST}: this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port (default {DEFAULT_PORT})")
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
    cmd = dashboard_command(args.host, args.port, production=not args.dev)
    print(f"Serving the dashboard on http://{args.host}:{args.port}/ (Ctrl-C stops it)",
          file=sys.stderr, flush=True)
    os.execv(cmd[0], cmd)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
