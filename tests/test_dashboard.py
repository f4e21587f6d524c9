"""The dashboard (``sim/app.py``): its mapping of levers to the configuration, its command line,
and the page itself driven in Debian's headless Chromium through Playwright, offline.

The browser tests are never skipped: without Chromium they fail with a message saying how to
install it (``apt-get install -y chromium``; ``.ci/run`` does this). The page must load with every
non-loopback request aborted, so the offline assets (``ceasefire-sim-install-dashboard-assets``)
must be installed too.

A screenshot of the page is saved as a test artifact in ``$ARTIFACT_DIR`` (default: a pytest
temporary directory); its path is printed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_harness import (
    MATPLOTLIB_PLOT,
    PAUSE_BUTTON,
    PLAY_BUTTON,
    RESET_BUTTON,
    STEP_BUTTON,
    OfflineBrowser,
    load_dashboard,
    offline_browser,
    solara_server,
)
from playwright.sync_api import Page, expect

from sim import app, dashboard_assets
from sim.api import compose_config, run_scenario
from sim.config import ConfigError, flat_model_params
from sim.metrics import OUTCOMES
from sim.plots import OUTCOME_LABELS
from sim.resources import quotes

VIEWPORT = (1400, 1900)  # tall enough for the whole page in one screenshot


# --------------------------------------------------------------------------------------------- #
# Without a browser: levers -> configuration, command line, asset check
# --------------------------------------------------------------------------------------------- #
def test_presets_are_the_scenario_folder() -> None:
    names = sorted(p.stem for p in (Path(app.conf_dir()) / "scenario").glob("*.yaml"))
    assert sorted(app.PRESETS) == names and len(names) == 8
    assert app.PRESETS[0] == app.DEFAULT_PRESET


def test_untouched_inputs_rebuild_the_preset_exactly() -> None:
    """Reset with the inputs as the page shows them gives the preset's composed config."""
    from mesa.visualization.solara_viz import _check_model_params

    for preset in app.PRESETS:
        expected = compose_config(preset)
        params = app.model_params(app.preset_config(preset))
        kwargs = {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}
        model = app.DashboardModel(**kwargs)
        _check_model_params(model, params)  # what SolaraViz checks: every input is a kwarg
        assert model.cfg.name == preset
        assert flat_model_params(model.cfg) == flat_model_params(expected), preset
        assert (model.cfg.sim.seed, model.cfg.sim.weeks) == (expected.sim.seed, expected.sim.weeks)


def test_levers_override_the_preset() -> None:
    model = app.DashboardModel(preset="no_force", us_role="none", deployment_troops_total=30_000,
                               russia_strike_propensity=0.05, coalition_members=10, rng="7")
    cfg = model.cfg
    assert cfg.name == "no_force" and cfg.deployment.timing == "never"  # kept from the preset
    assert cfg.us.role == "none" and cfg.deployment.troops_total == 30_000.0
    assert cfg.russia.strike_propensity == 0.05 and cfg.coalition.members == 10
    assert cfg.sim.seed == 7 and model.members_in() == 10
    model.step()
    assert model.week == 1 and len(model.datacollector.get_model_vars_dataframe()) == 2


@pytest.mark.parametrize("kwargs, key", [
    ({"us_role": "navy"}, "us.role"),
    ({"coalition_members": 27}, "coalition.members"),
    ({"russia_strike_propensity": 1.5}, "russia.strike_propensity"),
    ({"rng": "abc"}, "seed"),
    ({"preset": "nonsense"}, "preset"),
])
def test_bad_lever_values_are_config_errors(kwargs: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(key)):
        app.DashboardModel(**kwargs)


def test_replication_config_uses_batched_engine_and_same_levers() -> None:
    cfg = app.dashboard_config("us_no_role", {"coalition_members": 5}, rng=11)
    cfg.sim.replications, cfg.sim.engine = 7, "mesa"
    rep = app.replication_config(cfg)
    assert (rep.sim.replications, rep.sim.engine, rep.sim.n_jobs) == (1000, "batched", 1)
    assert flat_model_params(rep) == flat_model_params(cfg) and rep.sim.seed == 11
    assert (cfg.sim.replications, cfg.sim.engine) == (7, "mesa")  # the input is left alone


def test_paths_figure_has_six_titled_panels() -> None:
    model = app.DashboardModel()
    for _ in range(5):
        model.step()
    fig = app.paths_figure(model.datacollector.get_model_vars_dataframe(), model.weeks, "caption")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [t for _, t, _, _ in app.PATH_PANELS]
    assert all(ax.get_xlim() == (0.0, float(model.weeks)) for ax in fig.axes)


def test_main_serves_on_loopback_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(app.os, "execv", lambda path, argv: calls.append(list(argv)))
    for name in ("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "PYTHONWARNINGS"):
        monkeypatch.delenv(name, raising=False)  # restored (unset) after the test
    assert app.main([]) == 0
    assert os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert app.main(["--port", "9001", "--host", "0.0.0.0", "--dev"]) == 0
    first, second = calls
    assert first == app.dashboard_command("127.0.0.1", 8765)
    assert first[first.index("--host") + 1] == "127.0.0.1" and "--production" in first
    assert first[1:5] == ["-m", "solara", "run", "sim.app"]
    assert second[second.index("--host") + 1] == "0.0.0.0" and "9001" in second
    assert "--production" not in second


def test_missing_assets_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.dashboard_assets, "check", lambda: [Path("/x/requirejs@2.3.6")])
    message = app.missing_assets_message()
    assert message is not None
    assert "requirejs@2.3.6" in message and "ceasefire-sim-install-dashboard-assets" in message
    monkeypatch.setattr(app.dashboard_assets, "check", list)
    assert app.missing_assets_message() is None


def test_offline_assets_are_installed() -> None:
    missing = dashboard_assets.check()
    assert missing == [], (f"dashboard assets missing: {[str(p) for p in missing]}; run "
                           "`ceasefire-sim-install-dashboard-assets`")


# --------------------------------------------------------------------------------------------- #
# In the browser
# --------------------------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The dashboard served on a free loopback port with the command ``main()`` runs."""
    with solara_server(command=lambda port: app.dashboard_command(port=port)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[OfflineBrowser]:
    with offline_browser(viewport=VIEWPORT) as session:
        yield session


@pytest.fixture
def artifact_dir(tmp_path: Path) -> Path:
    path = Path(os.environ.get("ARTIFACT_DIR") or tmp_path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _time(page: Page, value: int) -> None:
    page.get_by_text(f"Time: {value:.1f}", exact=True).wait_for()


def _select(page: Page, label: str, option: str) -> None:
    page.locator(f".v-select:has(label:text-is('{label}'))").click()
    page.get_by_role("option", name=option, exact=True).click()


def _assert_clean(browser: OfflineBrowser) -> None:
    assert browser.blocked == [], f"the page tried to reach the internet: {browser.blocked}"
    assert browser.unexpected_page_errors() == []


def test_page_steps_plays_and_runs_replications_offline(
    server: str, browser: OfflineBrowser, artifact_dir: Path
) -> None:
    page = browser.new_page()
    load_dashboard(page, server)
    _time(page, 0)
    assert page.get_by_text("assets are missing").count() == 0
    plot = page.locator(MATPLOTLIB_PLOT).first
    expect(plot).to_have_attribute("src", re.compile("^blob:"))

    # Change two levers, then Reset rebuilds the model with them.
    _select(page, "US role", "none")
    troops = page.get_by_role("slider", name="Troops pledged")
    troops.focus()
    for _ in range(5):
        troops.press("ArrowRight")  # one step = 1,000 troops: 20,000 -> 25,000
    expect(troops).to_have_attribute("aria-valuenow", "25000")
    page.locator(RESET_BUTTON).click()
    status = page.locator(".v-card:has-text('This run')")
    expect(status).to_contain_text("US role none")
    expect(status).to_contain_text("25,000 troops pledged")
    _time(page, 0)

    # Step: the counters and the plot change every week.
    sources = [plot.get_attribute("src")]
    for week in (1, 2, 3):
        page.locator(STEP_BUTTON).click()
        _time(page, week)
        expect(status).to_contain_text(f"Week {week} of 104")
        expect(plot).not_to_have_attribute("src", sources[-1])
        sources.append(plot.get_attribute("src"))
    assert len(set(sources)) == 4

    # Play runs on by itself until paused.
    page.locator(PLAY_BUTTON).click()
    page.get_by_text(re.compile(r"^Time: ([6-9]|\d{2,3})\.0$")).wait_for()
    page.locator(PAUSE_BUTTON).click()
    page.locator(PLAY_BUTTON).wait_for()
    clock = page.get_by_text(re.compile(r"^Time: \d+\.0$"))
    page.wait_for_timeout(1000)  # a step already under way when pausing may still land
    paused_at = clock.inner_text()
    page.wait_for_timeout(1000)
    assert clock.inner_text() == paused_at

    # 1,000 replications of the same settings: the probabilities the Python API gives.
    page.get_by_role("button", name="Run 1,000 replications").click()
    table = page.locator("table.ceasefire-outcomes")
    table.wait_for()
    rows = [r.split("\t") for r in table.locator("tbody tr").all_inner_texts()]
    expected = run_scenario("article_baseline", ["us.role=none", "deployment.troops_total=25000"],
                            replications=1000, engine="batched", n_jobs=1).summary["outcomes"]
    assert [r[0] for r in rows] == [f"P({OUTCOME_LABELS[o]})" for o in OUTCOMES]
    for row, name in zip(rows, OUTCOMES, strict=True):
        e = expected[name]
        assert row[1:] == [f"{e['p']:.3f}", f"{e['lo']:.3f} – {e['hi']:.3f}"], name
    assert abs(sum(float(r[1]) for r in rows) - 1.0) < 0.0025  # four rounded shares
    expect(page.locator(".v-card:has-text('Many runs')")).to_contain_text("US role none")
    expect(page.locator(".v-card:has-text('Many runs') " + MATPLOTLIB_PLOT)).to_be_visible()

    # The rules in force, with this run's values and the article's quotes.
    rules = page.locator(".ceasefire-rules")
    expect(rules).to_contain_text("us.role = none")
    expect(rules).to_contain_text(quotes()["Q07"])

    shot = artifact_dir / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"dashboard screenshot: {shot}")
    assert shot.stat().st_size > 50_000
    _assert_clean(browser)
    page.close()


def test_sessions_have_their_own_models_and_presets_fill_the_levers(
    server: str, browser: OfflineBrowser
) -> None:
    """Two browser sessions (separate contexts): what one does never reaches the other."""
    other = browser.new_session()
    first, second = browser.new_page(), browser.new_page(other)
    load_dashboard(first, server)
    load_dashboard(second, server)

    # The first session picks a preset: a new model, and the lever inputs take its values.
    first.locator(STEP_BUTTON).click()
    _time(first, 1)
    _select(first, "Scenario preset", "coalition_shrinks")
    _time(first, 0)
    status = first.locator(".v-card:has-text('This run')")
    expect(status).to_contain_text("preset coalition_shrinks")
    expect(status).to_contain_text("· 12 members ·")
    expect(first.get_by_role("slider", name="Coalition members")).to_have_attribute(
        "aria-valuenow", "12")
    for week in (1, 2):
        first.locator(STEP_BUTTON).click()
        _time(first, week)

    # The second session still has its own model: the baseline, at week 0.
    _time(second, 0)
    assert second.get_by_text("Time: 2.0", exact=True).count() == 0
    other_status = second.locator(".v-card:has-text('This run')")
    expect(other_status).to_contain_text("preset article_baseline")
    expect(other_status).to_contain_text("· 26 members ·")
    expect(second.get_by_role("slider", name="Coalition members")).to_have_attribute(
        "aria-valuenow", "26")
    second.locator(STEP_BUTTON).click()
    _time(second, 1)
    _time(first, 2)
    _assert_clean(browser)
    other.close()
    first.close()
