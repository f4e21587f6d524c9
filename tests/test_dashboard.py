"""The dashboard (``sim/app.py``) without a browser: levers -> configuration, the seed check, the
A/B comparison, the rules card, the paths plot, the Host check, the error view and the command
line. The page itself is driven in Chromium by ``tests/test_dashboard_browser.py``.
"""

from __future__ import annotations

import asyncio
import os
import re
from html import escape
from pathlib import Path
from typing import Any

import ipywidgets
import numpy as np
import pytest
import solara
from oracles import hazard_pseudo_values

from sim import app, dashboard_assets, metrics, rulebook
from sim.api import compose_config
from sim.config import MODEL_GROUPS, ConfigError, field_of, flat_model_params, iter_params
from sim.resources import quotes
from sim.rules import RULES

#: The v2 scenario choices and the two dilemma-map assumptions the page must offer.
V2_LEVER_KEYS = {
    "deployment.timing", "us.role", "terms.recognise", "terms.force_stays",
    "russia.force_consent", "coalition.respect_russian_veto", "coalition.germany_condition",
    "coalition.members", "deployment.troops_total", "russia.force_aversion",
    "ukraine.guarantee_weight",
}


# --------------------------------------------------------------------------------------------- #
# Presets and levers -> configuration
# --------------------------------------------------------------------------------------------- #
def test_presets_are_the_thirteen_scenario_files() -> None:
    names = sorted(p.stem for p in (Path(app.conf_dir()) / "scenario").glob("*.yaml"))
    assert sorted(app.PRESETS) == names and len(names) == 13
    assert app.PRESETS[0] == app.DEFAULT_PRESET


def test_preset_descriptions_are_each_files_first_comment_line() -> None:
    for preset in app.PRESETS:
        lines = (Path(app.conf_dir()) / "scenario" / f"{preset}.yaml").read_text(
            encoding="utf-8").splitlines()
        first = next(ln for ln in lines if ln.startswith("#") and "@package" not in ln)
        assert app.preset_description(preset) == first.lstrip("# ").strip(), preset
    assert "Russia consents to the force" in app.preset_description("russia_soft_line")


def test_levers_are_the_v2_choices_with_plausible_dilemma_sliders() -> None:
    assert {lever.key for lever in app.LEVERS.values()} == V2_LEVER_KEYS
    assert all(name == lever.key.replace(".", "_") for name, lever in app.LEVERS.items())
    assert {lever.key for lever in app.LEVERS.values() if lever.plausible} == set(app.DILEMMA_KEYS)
    for key in app.DILEMMA_KEYS:
        lever = app.LEVERS[key.replace(".", "_")]
        assert lever.kind == "float"
        assert lever.bounds() == tuple(field_of(key).metadata["plausible"])
    kinds = {lever.key: lever.kind for lever in app.LEVERS.values()}
    assert kinds["terms.force_stays"] == kinds["russia.force_consent"] == "switch"
    assert kinds["terms.recognise"] == kinds["coalition.germany_condition"] == "select"
    assert app.LEVERS["terms_recognise"].choices == ("line_of_contact", "russia_claim")
    troops = app.LEVERS["deployment_troops_total"]
    assert troops.kind == "int" and troops.bounds() == (0, 200)  # thousands, the schema's limits


def test_a_slider_widens_to_show_a_value_outside_its_range() -> None:
    lever = app.LEVERS["russia_force_aversion"]
    assert lever.bounds(5.0) == (0.0, 5.0)  # a preset's value is shown, never clamped
    assert lever.bounds(1.0) == (0.0, 3.0)


def test_untouched_inputs_rebuild_each_preset_exactly() -> None:
    """Reset with the inputs as the page fills them gives the preset's composed config."""
    for preset in app.PRESETS:
        expected = compose_config(preset)
        values = app.lever_values(app.preset_config(preset))
        model = app.DashboardModel(preset=preset, rng=str(expected.sim.seed), **values)
        assert model.cfg.name == preset
        assert flat_model_params(model.cfg) == flat_model_params(expected), preset
        assert (model.cfg.sim.seed, model.cfg.sim.weeks) == (expected.sim.seed, expected.sim.weeks)


def test_levers_override_the_preset() -> None:
    model = app.DashboardModel(
        preset="no_force", us_role="none", deployment_troops_total=30_000, coalition_members=10,
        terms_recognise="russia_claim", terms_force_stays=False, russia_force_consent=True,
        coalition_respect_russian_veto=True, coalition_germany_condition="settlement",
        russia_force_aversion=2.5, ukraine_guarantee_weight=np.float64(0.5), rng="7")
    cfg = model.cfg
    assert cfg.name == "no_force" and cfg.deployment.timing == "never"  # kept from the preset
    assert cfg.us.role == "none" and cfg.deployment.troops_total == 30_000.0
    assert isinstance(cfg.deployment.troops_total, float) and cfg.coalition.members == 10
    assert (cfg.terms.recognise, cfg.terms.force_stays) == ("russia_claim", False)
    assert cfg.russia.force_consent and cfg.coalition.respect_russian_veto
    assert cfg.coalition.germany_condition == "settlement"
    assert cfg.russia.force_aversion == 2.5 and type(cfg.ukraine.guarantee_weight) is float
    assert cfg.sim.seed == 7 and model.members_in() == 10
    model.step()
    assert model.week == 1 and len(model.datacollector.get_model_vars_dataframe()) == 2


@pytest.mark.parametrize("kwargs, text", [
    ({"us_role": "navy"}, "us.role='navy' is not allowed"),
    ({"coalition_members": 27}, "coalition.members=27 is out of range"),
    ({"ukraine_guarantee_weight": float("nan")}, "ukraine.guarantee_weight=nan"),
    ({"terms_force_stays": "yes"}, "terms.force_stays='yes': expected true or false"),
    ({"deployment_timing": "after_settlement", "terms_force_stays": False},
     "deployment.timing='after_settlement' with terms.force_stays=false"),
    ({"rng": "abc"}, "seed='abc' is not allowed"),
    ({"preset": "nonsense"}, "scenario preset 'nonsense' is not allowed"),
    ({"strike_propensity": 0.1}, "unknown lever 'strike_propensity'"),
])
def test_bad_lever_values_are_config_errors(kwargs: dict[str, Any], text: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(text)):
        app.DashboardModel(**kwargs)


@pytest.mark.parametrize("text", ["abc", "-1", "1e5", "+5", "5_000", "٣", "1.0", "9" * 5000,
                                  str(2**63)])
def test_a_bad_seed_is_named_with_what_is_allowed(text: str) -> None:
    with pytest.raises(ConfigError) as err:
        app.parse_seed(text, 0)
    message = str(err.value)
    assert message.startswith("seed=") and "whole number from 0 to 9,223,372,036,854,775,807" \
        in message
    if len(text) > 24:  # a long value is shortened, with its length
        assert f"({len(text):,} characters)" in message and len(message) < 200
    else:
        assert repr(text) in message


def test_good_seeds() -> None:
    assert app.parse_seed(" 42 ", 0) == 42
    assert app.parse_seed("", 5) == app.parse_seed(None, 5) == 5  # blank keeps the preset's
    assert app.parse_seed(str(2**63 - 1), 0) == 2**63 - 1
    assert app.parse_seed(np.int64(3), 0) == 3


def test_pending_changes_name_each_changed_lever_and_the_seed() -> None:
    cfg = app.dashboard_config("article_baseline")
    levers = {**app.lever_values(cfg), "us_role": "none", "deployment_troops_total": 25_000.0,
              "terms_force_stays": False, "russia_force_aversion": 1.5}
    assert app.pending_changes(cfg, levers, "7") == [
        "us.role: air_support → none", "terms.force_stays: on → off",
        "deployment.troops_total: 20,000 → 25,000", "russia.force_aversion: 1 → 1.5",
        "sim.seed: 20250904 → 7"]
    assert app.pending_changes(cfg, app.lever_values(cfg), str(cfg.sim.seed)) == []
    assert app.pending_changes(cfg, app.lever_values(cfg), "abc") == []  # has its own message


def test_replication_config_uses_batched_engine_and_same_levers() -> None:
    cfg = app.dashboard_config("us_no_role", {"coalition_members": 5}, rng=11)
    cfg.sim.replications, cfg.sim.engine = 7, "mesa"
    rep = app.replication_config(cfg)
    assert (rep.sim.replications, rep.sim.engine, rep.sim.n_jobs) == (1000, "batched", 1)
    assert flat_model_params(rep) == flat_model_params(cfg) and rep.sim.seed == 11
    assert (cfg.sim.replications, cfg.sim.engine) == (7, "mesa")  # the input is left alone


# --------------------------------------------------------------------------------------------- #
# The A/B comparison
# --------------------------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def baseline_vs_no_force() -> app.Comparison:
    """article_baseline (A) against no_force (B): 1,000 replications each, seed 20250904."""
    a = app.preset_config("article_baseline")
    return app.compare(a, app.compare_config(a, "no_force", None))


def test_b_takes_a_seed_and_horizon() -> None:
    a = app.dashboard_config("article_baseline", rng=99, weeks=52)
    b = app.compare_config(a, "us_no_role", {"russia_force_aversion": 2.0})
    assert (b.name, b.sim.seed, b.sim.weeks) == ("us_no_role", 99, 52)
    assert b.russia.force_aversion == 2.0 and b.us.role == "none"
    with pytest.raises(ConfigError, match=re.escape("with terms.force_stays=false")):
        app.compare_config(a, "no_force", {"deployment_timing": "after_settlement",
                                           "terms_force_stays": False})
    with pytest.raises(ValueError, match="share the seed"):
        app.compare(a, app.dashboard_config("us_no_role", rng=100, weeks=52), replications=10)


INDICATORS = {  # test oracles: the per-replication indicators of the three probabilities
    "p_first_ceasefire": lambda r: r["week_first_ceasefire"].le(104),
    "p_settlement": lambda r: r["outcome"] == "settlement",
    "p_war_or_escalation": lambda r: r["outcome"].isin(("war", "escalation")),
    "collapse_hazard": hazard_pseudo_values,
}


def test_comparison_rows_are_the_summaries_and_their_paired_differences(
    baseline_vs_no_force: app.Comparison,
) -> None:
    """Each row's A and B are the summaries' estimates; A − B and its interval are the paired
    difference computed independently here with sim.metrics.paired_difference."""
    c = baseline_vs_no_force
    assert [row["key"] for row in c.rows] == list(metrics.HEADLINES)
    assert [row["label"] for row in c.rows] == [
        "P(first ceasefire by the horizon)", "P(settlement)", "P(war or escalation)",
        "collapse hazard (ceasefire failures per 100 ceasefire-weeks)"]
    sa, sb = c.a.summary, c.b.summary
    expected = {
        "p_first_ceasefire": (sa["ceasefire_within"]["104"], sb["ceasefire_within"]["104"]),
        "p_settlement": (sa["outcomes"]["settlement"], sb["outcomes"]["settlement"]),
        "p_war_or_escalation": (sa["war_or_escalation"], sb["war_or_escalation"]),
        "collapse_hazard": tuple({"p": s["collapse_hazard"]["rate"],
                                  "lo": s["collapse_hazard"]["lo"],
                                  "hi": s["collapse_hazard"]["hi"]} for s in (sa, sb)),
    }
    for row in c.rows:
        ea, eb = expected[row["key"]]
        assert (row["a"], row["b"]) == (ea, eb), row["key"]
        oracle = metrics.paired_difference(c.a.records, c.b.records, INDICATORS[row["key"]])
        d = row["diff"]
        assert d["n"] == oracle["n"] == 1000
        assert (d["a"], d["b"]) == pytest.approx((ea["p"], eb["p"]), abs=1e-12)
        assert (d["diff"], d["lo"], d["hi"]) == pytest.approx(
            (oracle["diff"], oracle["lo"], oracle["hi"]), abs=1e-12), row["key"]
        assert d["lo"] < d["diff"] < d["hi"]


def test_common_random_numbers_narrow_the_intervals(baseline_vs_no_force: app.Comparison) -> None:
    """Seed 20250904, 1,000 replications: for every measure the paired standard error is below
    the one independent samples would have (the point of common random numbers)."""
    c = baseline_vs_no_force
    for key, indicator in INDICATORS.items():
        d = metrics.paired_difference(c.a.records, c.b.records, indicator)
        assert d["se_paired"] < d["se_unpaired"], key


def test_hazard_oracle_matches_the_summaries_delta_method(
    baseline_vs_no_force: app.Comparison,
) -> None:
    """The test's hazard oracle averages to the summary's rate, and its t-interval has the
    half-width of the summary's delta-method interval (within 0.5%: n/(n−1) and t vs z)."""
    for res in (baseline_vs_no_force.a, baseline_vs_no_force.b):
        hazard = res.summary["collapse_hazard"]
        mean, lo, hi = metrics.mean_interval(hazard_pseudo_values(res.records))
        assert mean == pytest.approx(hazard["rate"], rel=1e-12)
        assert (hi - lo) / 2 == pytest.approx((hazard["hi"] - hazard["lo"]) / 2, rel=0.005)


def test_a_setting_compared_with_itself_differs_by_nothing() -> None:
    a = app.dashboard_config("article_baseline", rng=5)
    c = app.compare(a, app.compare_config(a, "article_baseline", None), replications=200)
    for row in c.rows:
        assert (row["diff"]["diff"], row["diff"]["lo"], row["diff"]["hi"]) == (0.0, 0.0, 0.0)


def test_a_missing_value_is_shown_as_a_dash() -> None:
    assert app._num(float("nan"), "rate", signed=True) == "—"
    assert app._num(None, "p") == "—"
    assert app._num(0.1234, "p", signed=True) == "+0.123"


def test_comparison_html_states_settings_assumptions_and_the_dilemma_map(
    baseline_vs_no_force: app.Comparison,
) -> None:
    html = app.compare_html(baseline_vs_no_force)
    for m in app.COMPARE_MEASURES:
        assert m.label in html
    assert "<a href='README.md#the-dilemma-map'" in html and ">dilemma map</a>" in html
    assert html.count("<code>russia.force_aversion</code>&nbsp;=&nbsp;1") == 2
    assert html.count("<code>ukraine.guarantee_weight</code>&nbsp;=&nbsp;2") == 2
    assert "preset article_baseline" in html and "preset no_force" in html
    assert "seed 20250904" in html and "1,000 replications each" in html
    diff = baseline_vs_no_force.rows[1]["diff"]
    assert f"{diff['diff']:+.3f} <span class='ci'>({diff['lo']:+.3f} – {diff['hi']:+.3f})" in html


# --------------------------------------------------------------------------------------------- #
# The rules card and the paths plot
# --------------------------------------------------------------------------------------------- #
def test_rules_card_shows_quote_roles_and_parameter_classes() -> None:
    cfg = app.dashboard_config("us_no_role")
    html = app.rules_html(cfg)
    for info in RULES.values():
        assert escape(info.title) in html
    for role in ("supports", "constrains", "counterfactual"):
        assert f"<span class='role role-{role}'>{role}</span>" in html
    assert "<code>us.role</code>&nbsp;=&nbsp;none <span class='kind kind-lever'" in html
    for row in rulebook.rows(cfg):  # every parameter of every rule, with its provenance class
        for p in row["params"]:
            assert (f"<code>{p['key']}</code>&nbsp;=&nbsp;{escape(app._value_text(p['value']))} "
                    f"<span class='kind kind-{p['kind']}'") in html, p["key"]
    q21 = quotes()["Q21"]
    assert f"<b>Q21</b> <span class='role role-counterfactual'>counterfactual</span> “{q21}”" \
        in html.replace("&#x27;", "'")
    assert "``" not in html and ":class:" not in html  # docstring markup becomes <code>


def test_parameter_table_lists_every_model_parameter_with_its_class() -> None:
    cfg = app.dashboard_config("article_baseline")
    html = app.parameters_html(cfg)
    model_keys = [k for k, _, _ in iter_params(cfg) if k.split(".")[0] in MODEL_GROUPS]
    assert html.count("<tr><td><code>") == len(model_keys)
    for key in model_keys:
        kind = field_of(key).metadata["kind"]
        assert re.search(rf"<code>{re.escape(key)}</code></td><td class='num'>[^<]*</td>"
                         rf"<td><span class='kind kind-{kind}'>{kind}</span>", html), key
    assert "<code>sim.seed</code>" not in html  # run settings are not model parameters


def test_paths_figure_has_the_v2_panels() -> None:
    model = app.DashboardModel()
    for _ in range(5):
        model.step()
    fig = app.paths_figure(model.datacollector.get_model_vars_dataframe(), model.weeks, "caption")
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == [t for _, t, _, _ in app.PATH_PANELS]
    assert [c for c, *_ in app.PATH_PANELS] == ["phase", "territory", "troops_deployed",
                                                 "credibility", "threat", "martial_law"]
    assert all(ax.get_xlim() == (0.0, float(model.weeks)) for ax in fig.axes)
    df = model.datacollector.get_model_vars_dataframe()
    troops = fig.axes[2].get_lines()[0]  # the path as recorded, in thousands
    np.testing.assert_allclose(troops.get_ydata(), df["troops_deployed"] / 1000)
    territory = fig.axes[1]
    twin = next(ax for ax in fig.axes if ax is not territory and ax.bbox.bounds ==
                territory.bbox.bounds)  # the claim gap's right-hand axis
    assert twin.get_ylabel() == "claim gap, pp"


# --------------------------------------------------------------------------------------------- #
# The Host check
# --------------------------------------------------------------------------------------------- #
def test_allowed_hosts() -> None:
    assert app.allowed_hosts("127.0.0.1") == {"localhost", "127.0.0.1", "::1"}
    assert app.allowed_hosts(None) == app.LOOPBACK_NAMES
    assert app.allowed_hosts("Dash.Example.") == app.LOOPBACK_NAMES | {"dash.example"}
    assert "10.1.2.3" in app.allowed_hosts("10.1.2.3", ["other.lan"])
    assert "other.lan" in app.allowed_hosts("127.0.0.1", ["other.lan"])


def test_a_wildcard_bind_also_allows_this_machines_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.socket, "gethostname", lambda: "Box")
    monkeypatch.setattr(app.socket, "getfqdn", lambda name: "box.lan")
    monkeypatch.setattr(app.socket, "gethostbyname_ex", lambda name: (name, [], ["192.0.2.7"]))
    assert app.allowed_hosts("0.0.0.0") >= {"box", "box.lan", "192.0.2.7", "0.0.0.0"}
    assert "evil.example" not in app.allowed_hosts("0.0.0.0")


@pytest.mark.parametrize("header, ok", [
    ("127.0.0.1:8765", True), ("localhost", True), ("LOCALHOST:1", True), ("[::1]:8765", True),
    ("[::1]", True), ("localhost.", True), ("evil.example", False), ("evil.example:8765", False),
    ("127.0.0.1.evil.example", False), ("localhost@evil.example", False), ("[::1", False),
    ("", False), (None, False), ("127.0.0.2", False),
])
def test_host_allowed(header: str | None, ok: bool) -> None:
    assert app.host_allowed(header, app.LOOPBACK_NAMES) is ok


async def _call(guard: Any, scope: dict[str, Any]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await guard(scope, receive, send)
    return sent


def _downstream() -> tuple[Any, list[str]]:
    seen: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    return inner, seen


def test_host_guard_refuses_other_hosts_and_passes_the_rest() -> None:
    inner, seen = _downstream()
    guard = app.HostGuard(inner, app.LOOPBACK_NAMES)

    def scope(kind: str, host: bytes | None) -> dict[str, Any]:
        return {"type": kind, "headers": [] if host is None else [(b"host", host)]}

    sent = asyncio.run(_call(guard, scope("http", b"evil.example")))
    assert sent[0]["status"] == 400 and sent[1]["body"] == app.BAD_HOST_BODY
    assert asyncio.run(_call(guard, scope("websocket", b"evil.example"))) == [
        {"type": "websocket.close", "code": 1008}]
    assert asyncio.run(_call(guard, scope("http", None)))[0]["status"] == 400
    assert seen == []
    for kind, host in (("http", b"127.0.0.1:9"), ("websocket", b"localhost:9"),
                       ("lifespan", None)):
        assert asyncio.run(_call(guard, scope(kind, host))) == []
    assert seen == ["http", "websocket", "lifespan"]


def test_install_host_guard_wraps_solaras_app_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.applications import Starlette

    monkeypatch.setenv("SERVER_NAME", "127.0.0.2")
    monkeypatch.setenv(app.ALLOW_HOSTS_ENV, "a.lan,b.lan")
    started = Starlette()
    started.middleware_stack = started.build_middleware_stack()  # as after the lifespan call
    assert app.install_host_guard(started) is True
    guard = started.middleware_stack
    assert isinstance(guard, app.HostGuard)
    assert guard.allowed == app.LOOPBACK_NAMES | {"127.0.0.2", "a.lan", "b.lan"}
    assert app.install_host_guard(started) is False and started.middleware_stack is guard

    fresh = Starlette()  # before its first call: the outermost middleware
    assert app.install_host_guard(fresh, app.LOOPBACK_NAMES) is True
    assert app.install_host_guard(fresh, app.LOOPBACK_NAMES) is False
    stack = fresh.build_middleware_stack()
    outer = stack.app  # Starlette's ServerErrorMiddleware wraps the user middleware
    assert isinstance(outer, app.HostGuard) and outer.allowed == app.LOOPBACK_NAMES


# --------------------------------------------------------------------------------------------- #
# The error view
# --------------------------------------------------------------------------------------------- #
def _texts(widget: Any) -> list[str]:
    out: list[str] = []
    for attr in ("children", "label", "value", "v_model"):
        value = getattr(widget, attr, None)
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, ipywidgets.Widget):
                out.extend(_texts(item))
    return out


@solara.component
def _Failing() -> None:
    raise RuntimeError(f"{Path(__file__).resolve()}: a failure with a server path")


def test_a_failure_shows_a_short_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(app, "Dashboard", _Failing)
    box, rc = solara.render(app.Page(), handle_error=False)
    try:
        text = " ".join(_texts(box))
        assert "The dashboard failed (RuntimeError)" in text and "server log" in text
        assert "Traceback" not in text and os.sep + "work" not in text and ".py" not in text
        assert "a failure with a server path" in caplog.text  # the details go to the log
        assert "Start again" in text
    finally:
        rc.close()


def test_internal_errors_name_only_the_kind() -> None:
    message = app._internal_error("The comparison", FileNotFoundError("/work/main/secret"))
    assert message == "The comparison failed (FileNotFoundError); the server log has the details."


# --------------------------------------------------------------------------------------------- #
# Command line and assets
# --------------------------------------------------------------------------------------------- #
def test_main_serves_on_loopback_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(app.os, "execv", lambda path, argv: calls.append(list(argv)))
    for name in ("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "PYTHONWARNINGS", app.ALLOW_HOSTS_ENV):
        monkeypatch.delenv(name, raising=False)  # restored (unset) after the test
    assert app.main([]) == 0
    assert os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert app.ALLOW_HOSTS_ENV not in os.environ
    assert app.main(["--port", "9001", "--host", "0.0.0.0", "--dev", "--allow-host", "a.lan",
                     "--allow-host", "b.lan"]) == 0
    first, second = calls
    assert first == app.dashboard_command("127.0.0.1", 8765)
    assert first[first.index("--host") + 1] == "127.0.0.1" and "--production" in first
    assert first[1:5] == ["-m", "solara", "run", "sim.app"]
    assert second[second.index("--host") + 1] == "0.0.0.0" and "9001" in second
    assert "--production" not in second
    assert os.environ[app.ALLOW_HOSTS_ENV] == "a.lan,b.lan"


def test_missing_assets_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.dashboard_assets, "check", lambda: [Path("/x/requirejs@2.3.6")])
    message = app.missing_assets_message()
    assert message is not None
    assert "requirejs@2.3.6" in message and "ceasefire-sim-install-dashboard-assets" in message
    assert "/x/" not in message  # names only, no server paths
    monkeypatch.setattr(app.dashboard_assets, "check", list)
    assert app.missing_assets_message() is None


def test_offline_assets_are_installed() -> None:
    missing = dashboard_assets.check()
    assert missing == [], (f"dashboard assets missing: {[str(p) for p in missing]}; run "
                           "`ceasefire-sim-install-dashboard-assets`")


def test_describe_levers_names_every_lever_and_the_seed() -> None:
    text = app.describe_levers(app.dashboard_config("coalition_shrinks", rng=3))
    assert text.startswith("preset coalition_shrinks · ") and " · 12 members · " in text
    assert "force_aversion 1 · guarantee_weight 2 · seed 3 · 104 weeks" in text
    assert "terms recognise the line of contact, force stays · Russia rejects the force" in text
