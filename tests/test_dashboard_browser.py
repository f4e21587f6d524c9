"""The dashboard page driven in Debian's headless Chromium through Playwright, offline, and its
server's Host check.

The browser tests are never skipped: without Chromium they fail with a message saying how to
install it (``apt-get install -y chromium``; ``.ci/run`` does this). The page must load with every
non-loopback request aborted, so the offline assets (``ceasefire-sim-install-dashboard-assets``)
must be installed too. Every wait is on page state (locators and ``expect``), never on the
clock, so the tests hold on a loaded machine; ``EXPECT_TIMEOUT_MS`` only bounds how long a wait
may take before it counts as a failure.

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
    PAUSE,
    PLAY,
    RESET,
    RUN_STATE,
    STEP,
    OfflineBrowser,
    button,
    http_status,
    load_dashboard,
    offline_browser,
    solara_server,
    websocket_handshake_status,
)
from oracles import hazard_pseudo_values
from playwright.sync_api import Locator, Page, expect

from sim import app, metrics
from sim.api import run_scenario
from sim.metrics import OUTCOMES
from sim.plots import OUTCOME_LABELS
from sim.resources import quotes

VIEWPORT = (1400, 2200)  # tall enough for the whole page in one screenshot
EXPECT_TIMEOUT_MS = 90_000  # an upper bound for one wait on a loaded 2-core machine
SEED = 20250904  # the presets' sim.seed

LEVER_LABELS = [lever.label for lever in app.LEVERS.values()]
BAD_SEEDS = ["abc", "-1", "1e5", "9" * 5000]


@pytest.fixture(scope="module", autouse=True)
def _patient_expect() -> Iterator[None]:
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The dashboard served on a free loopback port with the command ``main()`` runs."""
    with solara_server(command=lambda port: app.dashboard_command(port=port)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[OfflineBrowser]:
    with offline_browser(viewport=VIEWPORT, timeout_ms=EXPECT_TIMEOUT_MS) as session:
        yield session


@pytest.fixture
def page(server: str, browser: OfflineBrowser) -> Iterator[Page]:
    """A fresh page (its own session, so its own model) with the dashboard loaded."""
    page = browser.new_page()
    load_dashboard(page, server, timeout_ms=EXPECT_TIMEOUT_MS)
    yield page
    page.close()


@pytest.fixture
def artifact_dir(tmp_path: Path) -> Path:
    path = Path(os.environ.get("ARTIFACT_DIR") or tmp_path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _state(page: Page, text: str | re.Pattern[str]) -> None:
    expect(page.locator(RUN_STATE)).to_have_text(text)


def _status(page: Page) -> Locator:
    return page.locator(".v-card:has-text('This run')").first


def _select(page: Page, label: str, option: str) -> None:
    page.locator(f".v-select:has(label:text-is(\"{label}\"))").click()
    page.get_by_role("option", name=option, exact=True).click()


def _slider(page: Page, label: str) -> Locator:
    return page.get_by_role("slider", name=label, exact=True)


def _switch(page: Page, label: str, on: bool) -> None:
    """Turn a switch on or off by clicking its label (Vuetify's ripple covers the input)."""
    switch = page.get_by_role("switch", name=label, exact=True)
    if (switch.get_attribute("aria-checked") == "true") != on:
        page.locator(f"label:text-is(\"{label}\")").click()
    expect(switch).to_have_attribute("aria-checked", "true" if on else "false")


def _nudge(slider: Locator, steps: int) -> None:
    slider.focus()
    for _ in range(abs(steps)):
        slider.press("ArrowRight" if steps > 0 else "ArrowLeft")


def _assert_clean(browser: OfflineBrowser, page: Page) -> None:
    assert browser.blocked == [], f"the page tried to reach the internet: {browser.blocked}"
    assert browser.unexpected_page_errors() == []
    text = page.locator("body").inner_text()
    for leak in ("Traceback", "/work/", "site-packages", 'File "'):
        assert leak not in text, f"the page shows {leak!r}"


# --------------------------------------------------------------------------------------------- #
# One run: levers, Step, ▶/❚❚, Reset, many runs, rules
# --------------------------------------------------------------------------------------------- #
def test_page_offers_the_v2_levers_and_no_information_card(
    page: Page, browser: OfflineBrowser,
) -> None:
    levers = page.locator(".v-card:has-text('Levers (applied on Reset)')").first
    for label in LEVER_LABELS:
        expect(levers.get_by_text(label, exact=True)).to_be_visible()
    expect(levers.get_by_label("Random seed")).to_have_value(str(SEED))
    for lever in app.LEVERS.values():
        if lever.kind in ("int", "float"):
            lo, hi = lever.bounds()
            slider = _slider(page, lever.label)
            expect(slider).to_have_attribute("aria-valuemin", f"{lo:g}")
            expect(slider).to_have_attribute("aria-valuemax", f"{hi:g}")
    expect(_slider(page, "Russia's aversion to the force (assumption)")).to_have_attribute(
        "aria-valuenow", "1")
    _select(page, "Terms: territory recognised", "russia_claim")  # the options are v2's
    expect(levers).to_contain_text("russia_claim")
    # Mesa's leftover cards are gone: no "Information" card, no "Time: 0.0".
    expect(page.locator(".v-card__title", has_text=re.compile("^Information$"))).to_have_count(0)
    expect(page.get_by_text(re.compile(r"^Time: \d"))).to_have_count(0)
    assert "Information" not in page.locator("body").inner_text()
    _assert_clean(browser, page)


BOXES_JS = """() => {
  const box = e => { const r = e.getBoundingClientRect();
                     return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
  const card = document.querySelector('.ceasefire-levers');
  const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  return {
    card: box(card),
    labels: [...card.querySelectorAll('label, .v-label')].filter(shown)
              .map(e => ({text: e.innerText, ...box(e)})),
    bubbles: [...card.querySelectorAll('.v-slider__thumb-label')].filter(shown).map(e => {
      const t = e.querySelector('span');
      return {text: t.innerText, font: parseFloat(getComputedStyle(t).fontSize),
              inner: box(t), ...box(e)}; }),
  };
}"""


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["l"] < b["r"] and b["l"] < a["r"] and a["t"] < b["b"] and b["t"] < a["b"]


def test_slider_value_bubbles_are_readable_and_overlap_nothing(page: Page) -> None:
    """Every slider shows its value in a bubble all the time; no bubble's bounding box overlaps a
    label or another bubble, each stays inside the levers card, its text fits inside it and is
    at least 12 px."""
    _slider(page, "Troops pledged (thousands)").press("End")  # the widest value: 200
    expect(_slider(page, "Troops pledged (thousands)")).to_have_attribute("aria-valuenow", "200")
    boxes = page.evaluate(BOXES_JS)
    bubbles, labels, card = boxes["bubbles"], boxes["labels"], boxes["card"]
    assert sorted(b["text"] for b in bubbles) == sorted(["26", "200", "1", "2"])
    assert {lab["text"] for lab in labels} >= set(LEVER_LABELS)
    for i, bubble in enumerate(bubbles):
        for label in labels:
            assert not _overlap(bubble, label), (bubble["text"], label["text"])
        for other in bubbles[i + 1:]:
            assert not _overlap(bubble, other), (bubble["text"], other["text"])
        assert card["l"] <= bubble["l"] and bubble["r"] <= card["r"], bubble
        inner = bubble["inner"]
        assert bubble["l"] < inner["l"] and inner["r"] < bubble["r"], bubble
        assert bubble["t"] < inner["t"] and inner["b"] < bubble["b"], bubble
        assert bubble["font"] >= 12


def test_page_steps_plays_pauses_and_runs_replications_offline(
    page: Page, browser: OfflineBrowser, artifact_dir: Path,
) -> None:
    _state(page, "Paused at week 0 of 104")
    assert page.get_by_text("assets are missing").count() == 0
    plot = page.locator(MATPLOTLIB_PLOT).first
    expect(plot).to_have_attribute("src", re.compile("^blob:"))

    # Change two levers, then Reset rebuilds the model with them.
    _select(page, "US role", "none")
    troops = _slider(page, "Troops pledged (thousands)")
    _nudge(troops, 5)  # one step = 1,000 troops: 20,000 -> 25,000
    expect(troops).to_have_attribute("aria-valuenow", "25")
    pending = page.locator(".ceasefire-pending")  # what the server holds for the next Reset
    expect(pending).to_contain_text("us.role: air_support → none")
    expect(pending).to_contain_text("deployment.troops_total: 20,000 → 25,000")
    button(page, RESET).click()
    expect(pending).to_have_count(0)
    status = _status(page)
    expect(status).to_contain_text("US role none")
    expect(status).to_contain_text("25,000 troops pledged")
    _state(page, "Paused at week 0 of 104")

    # Step: the counters and the plot change every week.
    sources = [plot.get_attribute("src")]
    for week in (1, 2, 3):
        button(page, STEP).click()
        _state(page, f"Paused at week {week} of 104")
        expect(status).to_contain_text(f"Week {week} of 104")
        expect(plot).not_to_have_attribute("src", sources[-1])
        sources.append(plot.get_attribute("src"))
    assert len(set(sources)) == 4

    # ▶ plays on by itself; ❚❚ stops it, and "Paused" appears only once the loop has ended, so
    # the next Step moves exactly one week from where it paused.
    button(page, PLAY).click()
    _state(page, re.compile(r"^Playing: week ([5-9]|\d{2,3}) of 104$"))
    button(page, PAUSE).click()
    _state(page, re.compile(r"^Paused at week \d+ of 104$"))
    paused = int(re.search(r"week (\d+)", page.locator(RUN_STATE).inner_text()).group(1))
    assert paused >= 5
    expect(status).to_contain_text(f"Week {paused} of 104")
    button(page, STEP).click()
    _state(page, f"Paused at week {paused + 1} of 104")
    expect(status).to_contain_text(f"Week {paused + 1} of 104")

    # 1,000 replications of the same settings: the probabilities the Python API gives.
    button(page, "Run 1,000 replications").click()
    table = page.locator("table.ceasefire-outcomes:not(.ceasefire-compare)")
    expect(table.locator("tbody tr")).to_have_count(len(OUTCOMES))
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

    shot = artifact_dir / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"dashboard screenshot: {shot}")
    assert shot.stat().st_size > 50_000
    _assert_clean(browser, page)


def test_rules_card_shows_quote_roles_and_parameter_classes(page: Page) -> None:
    rules = page.locator(".ceasefire-rules")
    expect(rules).to_contain_text("us.role = air_support lever")
    expect(rules).to_contain_text("us.air_support_prob = 0.75 cited")
    expect(rules).to_contain_text(f"Q07 supports “{quotes()['Q07']}”")
    expect(rules).to_contain_text(f"Q21 counterfactual “{quotes()['Q21']}”")
    for role in ("supports", "constrains", "counterfactual"):
        assert rules.locator(f"span.role-{role}").count() > 1, role
    for kind in ("lever", "cited", "calibrated", "assumption"):
        assert rules.locator(f"span.kind-{kind}").count() > 0, kind
    card = page.locator(".v-card:has(.ceasefire-rules)")
    card.get_by_text("All parameters and their provenance").click()
    kappa = card.locator("table.ceasefire-params tr:has(code:text-is('force.kappa'))")
    expect(kappa).to_contain_text("calibrated")
    expect(kappa).to_contain_text("0.5 – 2")


def test_a_preset_survives_reset(page: Page, browser: OfflineBrowser) -> None:
    button(page, STEP).click()
    _state(page, "Paused at week 1 of 104")
    _select(page, "Scenario preset", "coalition_shrinks")
    _state(page, "Paused at week 0 of 104")
    status = _status(page)
    expect(status).to_contain_text("preset coalition_shrinks")
    expect(status).to_contain_text("· 12 members ·")
    expect(_slider(page, "Coalition members")).to_have_attribute("aria-valuenow", "12")
    for week in (1, 2):
        button(page, STEP).click()
        _state(page, f"Paused at week {week} of 104")
    button(page, RESET).click()
    _state(page, "Paused at week 0 of 104")
    expect(status).to_contain_text("preset coalition_shrinks")
    expect(status).to_contain_text("· 12 members ·")
    expect(page.locator(".v-select:has(label:text-is('Scenario preset'))")).to_contain_text(
        "coalition_shrinks")
    _assert_clean(browser, page)


# --------------------------------------------------------------------------------------------- #
# Bad input: an inline error, the model in force kept, nothing of the server shown
# --------------------------------------------------------------------------------------------- #
def test_invalid_levers_show_an_inline_error_and_keep_the_model(
    page: Page, browser: OfflineBrowser,
) -> None:
    for week in (1, 2):
        button(page, STEP).click()
        _state(page, f"Paused at week {week} of 104")
    status = _status(page)
    seed = page.get_by_label("Random seed")
    error = page.locator(".ceasefire-reset-error")
    for bad in BAD_SEEDS:
        shown = repr(bad) if len(bad) <= 24 else f"'{bad[:20]}…' ({len(bad):,} characters)"
        seed.fill(bad)
        seed.press("Tab")  # the field checks its value as soon as it is left
        field_message = page.locator(".v-messages__message", has_text=f"seed={shown}")
        expect(field_message).to_contain_text("whole number from 0 to 9,223,372,036,854,775,807")
        button(page, RESET).click()
        expect(error).to_contain_text(f"seed={shown} is not allowed")
        expect(error).to_contain_text("0 to 9,223,372,036,854,775,807")
        expect(error).to_contain_text("The model in force is unchanged.")
        _state(page, "Paused at week 2 of 104")  # the model and its week are kept
        expect(status).to_contain_text(f"seed {SEED} ·")
        _assert_clean(browser, page)

    # A combination the schema refuses is named too.
    seed.fill("7")
    seed.press("Tab")
    _select(page, "Deployment timing", "after_settlement")
    _switch(page, "Terms: the force stays after a settlement", on=False)
    pending = page.locator(".ceasefire-pending")
    expect(pending).to_contain_text("deployment.timing: immediate → after_settlement")
    expect(pending).to_contain_text("terms.force_stays: on → off")
    expect(pending).to_contain_text("sim.seed: 20250904 → 7")
    button(page, RESET).click()
    expect(error).to_contain_text("deployment.timing='after_settlement' with "
                                  "terms.force_stays=false")
    _state(page, "Paused at week 2 of 104")

    # The controls still work, and a valid Reset clears the error.
    button(page, STEP).click()
    _state(page, "Paused at week 3 of 104")
    _switch(page, "Terms: the force stays after a settlement", on=True)
    expect(pending).not_to_contain_text("terms.force_stays")
    button(page, RESET).click()
    _state(page, "Paused at week 0 of 104")
    expect(error).to_have_count(0)
    expect(status).to_contain_text("seed 7 ·")
    expect(status).to_contain_text("deployment after_settlement")
    _assert_clean(browser, page)


# --------------------------------------------------------------------------------------------- #
# Compare A and B
# --------------------------------------------------------------------------------------------- #
def _cell(d: dict[str, float], digits: int) -> str:
    return f"{d['diff']:+.{digits}f} ({d['lo']:+.{digits}f} – {d['hi']:+.{digits}f})"


def test_compare_view_shows_the_paired_differences_and_assumed_values(
    page: Page, browser: OfflineBrowser,
) -> None:
    card = page.locator(".v-card:has-text('Compare A and B')").first
    link = card.get_by_role("link", name="dilemma map", exact=True)
    expect(link).to_have_attribute("href", "README.md#the-dilemma-map")
    expect(card).to_contain_text("A: russia.force_aversion = 1, ukraine.guarantee_weight = 2")

    # B: the US takes no role, and Russia is assumed more averse to the force.
    _select(page, "B: scenario preset", "us_no_role")
    expect(card).to_contain_text(app.preset_description("us_no_role"))
    card.get_by_text("B: levers").click()
    expect(card.locator(".v-select:has(label:text-is('B: US role'))")).to_contain_text("none")
    aversion = _slider(page, "B: Russia's aversion to the force (assumption)")
    _nudge(aversion, 5)
    expect(aversion).to_have_attribute("aria-valuenow", "1.5")
    expect(card).to_contain_text("B: russia.force_aversion = 1.5, ukraine.guarantee_weight = 2")
    button(page, "Compare A and B").click()
    table = card.locator("table.ceasefire-compare")
    expect(table.locator("tbody tr")).to_have_count(4)

    # The same numbers independently: the API's records and sim.metrics.paired_difference.
    kw = {"replications": 1000, "engine": "batched", "n_jobs": 1, "seed": SEED}
    a = run_scenario("article_baseline", **kw)
    b = run_scenario("us_no_role", ["russia.force_aversion=1.5"], **kw)
    indicators = [
        lambda r: r["week_first_ceasefire"].le(104),
        lambda r: r["outcome"] == "settlement",
        lambda r: r["outcome"].isin(("war", "escalation")),
    ]
    cells = [r.split("\t") for r in table.locator("tbody tr").all_inner_texts()]
    assert [c[0] for c in cells] == [m.label for m in app.COMPARE_MEASURES]
    for row, indicator in zip(cells[:3], indicators, strict=True):
        assert row[3] == _cell(metrics.paired_difference(a.records, b.records, indicator), 3)
    hazard = metrics.paired_difference(a.records, b.records, hazard_pseudo_values)
    assert hazard["diff"] == pytest.approx(a.summary["collapse_hazard"]["rate"]
                                           - b.summary["collapse_hazard"]["rate"], abs=1e-9)
    assert cells[3][3] == _cell(hazard, 2)
    ha, hb = a.summary["collapse_hazard"], b.summary["collapse_hazard"]
    assert cells[3][1:3] == [f"{h['rate']:.2f} ({h['lo']:.2f} – {h['hi']:.2f})" for h in (ha, hb)]
    p = a.summary["outcomes"]["settlement"]
    assert cells[1][1] == f"{p['p']:.3f} ({p['lo']:.3f} – {p['hi']:.3f})"

    # The result states the settings and the assumed values it used.
    result = card.locator(".ceasefire-text:has(table.ceasefire-compare)")
    expect(result).to_contain_text(f"1,000 replications each with seed {SEED}")
    expect(result).to_contain_text("A: russia.force_aversion = 1, ukraine.guarantee_weight = 2; "
                                   "B: russia.force_aversion = 1.5, ukraine.guarantee_weight = 2")
    expect(result.get_by_role("link", name="dilemma map", exact=True)).to_have_attribute(
        "href", "README.md#the-dilemma-map")
    expect(result).to_contain_text("preset us_no_role")
    _assert_clean(browser, page)


# --------------------------------------------------------------------------------------------- #
# Sessions
# --------------------------------------------------------------------------------------------- #
def test_sessions_have_their_own_models(server: str, browser: OfflineBrowser) -> None:
    """Two browser sessions (separate contexts): what one does never reaches the other."""
    other = browser.new_session()
    first, second = browser.new_page(), browser.new_page(other)
    load_dashboard(first, server, timeout_ms=EXPECT_TIMEOUT_MS)
    load_dashboard(second, server, timeout_ms=EXPECT_TIMEOUT_MS)

    _select(first, "Scenario preset", "coalition_shrinks")
    expect(_status(first)).to_contain_text("preset coalition_shrinks")
    for week in (1, 2):
        button(first, STEP).click()
        _state(first, f"Paused at week {week} of 104")

    _state(second, "Paused at week 0 of 104")  # the second session still has its own model
    expect(_status(second)).to_contain_text("preset article_baseline")
    expect(_status(second)).to_contain_text("· 26 members ·")
    expect(_slider(second, "Coalition members")).to_have_attribute("aria-valuenow", "26")
    button(second, STEP).click()
    _state(second, "Paused at week 1 of 104")
    _state(first, "Paused at week 2 of 104")
    _assert_clean(browser, first)
    other.close()
    first.close()


# --------------------------------------------------------------------------------------------- #
# The Host check of the server
# --------------------------------------------------------------------------------------------- #
def test_requests_for_other_hosts_get_400(server: str) -> None:
    port = server.rstrip("/").rsplit(":", 1)[1]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "localhost"):
        assert http_status(server, host)[0] == 200, host
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}", ""):
        status, body = http_status(server, host)
        assert status == 400, host
        assert body == app.BAD_HOST_BODY
    assert websocket_handshake_status(server, "evil.example",
                                      "/jupyter/api/kernels/x/channels?session_id=y") == 403


def test_the_host_option_allows_that_host_too() -> None:
    """``--host 127.0.0.2`` (a loopback address, so the test stays on this machine)."""
    host = "127.0.0.2"
    with solara_server(host=host, command=lambda port: app.dashboard_command(host, port)) as url:
        port = url.rstrip("/").rsplit(":", 1)[1]
        assert http_status(url, f"{host}:{port}")[0] == 200
        assert http_status(url, f"localhost:{port}")[0] == 200
        assert http_status(url, f"127.0.0.3:{port}")[0] == 400
        assert http_status(url, "evil.example")[0] == 400
