"""Known-answer tests for sim.evidence.fortna (Kaplan-Meier, Cox fit, CLI contract, shipped YAML)."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from sim.evidence import fortna
from sim.evidence.fortna import (
    HEADER,
    EvidenceError,
    cox_partial_likelihood,
    fit_cox,
    kaplan_meier_at,
    load_points,
    read_spells,
)

Z95 = 1.959963984540054  # Phi^-1(0.975)
REPO = Path(__file__).resolve().parents[1]
CSV_ENV = "CEASEFIRE_SIM_FORTNA_CSV"
HEADER_LINE = '"","cfdate","faildate","peacekeepers?","badness","delay","censored?"'


# --------------------------------------------------------------------------- #
# Kaplan-Meier
# --------------------------------------------------------------------------- #
def test_km_hand_computed() -> None:
    # Spells 1+, 2+, 2 (censored), 3+, 4 (censored), 5+ ("+" = failure).
    # t=1: n=6, d=1 -> 5/6; t=2: n=5 (the spell censored at 2 still at risk), d=1 -> 2/3;
    # t=3: n=3, d=1 -> 4/9; t=4 censoring only; t=5: n=1, d=1 -> 0.
    points = kaplan_meier_at([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1], [0, 1, 2, 2.5, 3, 4, 5, 9])
    assert [p.survival for p in points] == pytest.approx(
        [1, 5 / 6, 2 / 3, 2 / 3, 4 / 9, 4 / 9, 0, 0]
    )
    assert [p.at_risk for p in points] == [6, 6, 5, 3, 3, 2, 1, 0]
    # Greenwood at t=2: 1/(6*5) + 1/(5*4) = 1/12.
    c = Z95 * math.sqrt(1 / 12) / abs(math.log(2 / 3))
    assert points[2].lo == pytest.approx((2 / 3) ** math.exp(c), rel=1e-12)
    assert points[2].hi == pytest.approx((2 / 3) ** math.exp(-c), rel=1e-12)
    assert (points[0].lo, points[0].hi) == (1.0, 1.0)
    assert (points[6].lo, points[6].hi) == (0.0, 0.0)


def test_km_failure_precedes_censoring_at_same_time() -> None:
    (point,) = kaplan_meier_at([2, 2], [True, False], [2])
    assert point.survival == pytest.approx(0.5)
    assert point.at_risk == 2


def test_km_agrees_with_project_week_grid_estimator() -> None:
    from sim.metrics import kaplan_meier  # imported here: the rest of this file needs no model code

    rng = np.random.default_rng(7)
    durations = rng.integers(0, 30, size=80)
    events = rng.random(80) < 0.6
    grid = kaplan_meier(durations, events, horizon=30)
    points = kaplan_meier_at(durations, events, list(range(31)))
    np.testing.assert_allclose([p.survival for p in points], grid["survival"], rtol=1e-12)
    np.testing.assert_allclose([p.lo for p in points], grid["lo"], rtol=1e-10)
    np.testing.assert_allclose([p.hi for p in points], grid["hi"], rtol=1e-10)
    assert [p.at_risk for p in points] == grid["at_risk"].tolist()


def test_km_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="same length"):
        kaplan_meier_at([1, 2], [1], [1])
    with pytest.raises(ValueError, match="non-negative"):
        kaplan_meier_at([-1], [1], [1])


# --------------------------------------------------------------------------- #
# Cox
# --------------------------------------------------------------------------- #
def test_cox_closed_form_without_ties() -> None:
    # Failures at 1..4 with x = 1, 0, 1, 0 and u = e^beta:
    # L = u/(2u+2) * 1/(u+2) * u/(u+1), so d log L / d beta = 0 gives u^2 - u - 4 = 0,
    # u = (1 + sqrt(17)) / 2. Each risk set adds p(1 - p) to the information, p = its share
    # of x = 1 weight: 2u/(u+1)^2 + 2u/(u+2)^2.
    u = (1 + math.sqrt(17)) / 2
    se = 1 / math.sqrt(2 * u / (u + 1) ** 2 + 2 * u / (u + 2) ** 2)
    for ties in ("efron", "breslow"):
        fit = fit_cox([1, 2, 3, 4], [1, 1, 1, 1], [1, 0, 1, 0], ties=ties)
        assert fit.beta == pytest.approx(math.log(u), abs=1e-10)
        assert fit.hazard_ratio == pytest.approx(u, rel=1e-9)
        assert fit.se == pytest.approx(se, rel=1e-9)
        assert fit.lo == pytest.approx(u * math.exp(-Z95 * se), rel=1e-9)
        assert fit.hi == pytest.approx(u * math.exp(Z95 * se), rel=1e-9)


def test_cox_closed_form_with_ties_efron_vs_breslow() -> None:
    # Two failures at t=1 (x = 1 and 0) among three at risk; the third (x = 1) is censored at 2.
    # Breslow: L = u / (2u+1)^2 -> u = 1/2.
    # Efron:   L = u / ((2u+1)(3u+1)/2) -> 6u^2 = 1 -> u = 1/sqrt(6).
    args = ([1, 1, 2], [1, 1, 0], [1, 0, 1])
    breslow = fit_cox(*args, ties="breslow")
    efron = fit_cox(*args, ties="efron")
    assert breslow.beta == pytest.approx(-math.log(2), abs=1e-10)
    assert breslow.se == pytest.approx(math.sqrt(2), rel=1e-9)  # information 2u/(2u+1)^2 = 1/2
    u = 1 / math.sqrt(6)
    assert efron.beta == pytest.approx(math.log(u), abs=1e-10)
    info = 2 * u / (2 * u + 1) ** 2 + 3 * u / (3 * u + 1) ** 2
    assert efron.se == pytest.approx(1 / math.sqrt(info), rel=1e-9)


def _brute_loglik(beta: float, durations, events, x, ties: str) -> float:
    """The log partial likelihood written out subject by subject, with no vectorisation."""
    total = 0.0
    for t in sorted({d for d, e in zip(durations, events, strict=True) if e}):
        risk = [i for i, d in enumerate(durations) if d >= t]
        dead = [i for i in risk if durations[i] == t and events[i]]
        risk_sum = sum(math.exp(beta * x[i]) for i in risk)
        dead_sum = sum(math.exp(beta * x[i]) for i in dead)
        for k in range(len(dead)):
            share = k / len(dead) if ties == "efron" else 0.0
            total -= math.log(risk_sum - share * dead_sum)
        total += sum(beta * x[i] for i in dead)
    return total


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cox_matches_brute_force_maximisation(ties: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 40
    durations = rng.integers(1, 7, size=n).tolist()  # few distinct times: many ties
    events = (rng.random(n) < 0.7).tolist()
    x = (rng.random(n) < 0.5).astype(float).tolist()
    fit = fit_cox(durations, events, x, ties=ties)
    for beta in (-1.0, 0.0, 0.7):
        ll, _, _ = cox_partial_likelihood(beta, durations, events, x, ties=ties)
        assert ll == pytest.approx(_brute_loglik(beta, durations, events, x, ties), rel=1e-12)
    best = minimize_scalar(
        lambda b: -_brute_loglik(b, durations, events, x, ties),
        bounds=(-5, 5),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert fit.beta == pytest.approx(best.x, abs=1e-6)
    # The information is the curvature of the brute-force log likelihood.
    h = 1e-4
    curvature = (
        _brute_loglik(fit.beta + h, durations, events, x, ties)
        - 2 * _brute_loglik(fit.beta, durations, events, x, ties)
        + _brute_loglik(fit.beta - h, durations, events, x, ties)
    ) / h**2
    assert fit.se == pytest.approx(1 / math.sqrt(-curvature), rel=1e-4)


def test_efron_and_breslow_differ_only_with_ties() -> None:
    rng = np.random.default_rng(3)
    x = rng.random(30) < 0.5
    events = rng.random(30) < 0.8
    distinct = rng.permutation(30) + 1
    tied = distinct // 5
    assert fit_cox(distinct, events, x, "efron").beta == pytest.approx(
        fit_cox(distinct, events, x, "breslow").beta, abs=1e-12
    )
    assert (
        abs(fit_cox(tied, events, x, "efron").beta - fit_cox(tied, events, x, "breslow").beta)
        > 1e-3
    )


def test_cox_infinite_maximum_is_reported() -> None:
    # Every x = 1 spell fails before every x = 0 spell: the likelihood rises for ever.
    with pytest.raises(ValueError, match="at infinity"):
        fit_cox([1, 2, 3, 4], [1, 1, 1, 1], [1, 1, 0, 0])


def test_cox_rejects_unknown_ties() -> None:
    with pytest.raises(ValueError, match="ties"):
        cox_partial_likelihood(0.0, [1], [1], [0], ties="exact")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- #
# Reading and the command line
# --------------------------------------------------------------------------- #
def _write_csv(path: Path, rows: list[str], header: str = HEADER_LINE) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


SMALL_ROWS = [
    '"A",1000,1100,0,-5.1,0.3,0',
    '"B",1000,1300,0,NA,0.8,0',
    '"C",1000,12783,0,-7,30.3,1',
    '"D",2000,2050,1,-6,0.1,0',
    '"E",2000,12783,1,-8.5,29.5,1',
    '"F",3000,3400,1,NA,1.1,0',
]


def test_read_spells(tmp_path: Path) -> None:
    spells = read_spells(_write_csv(tmp_path / "m.csv", SMALL_ROWS))
    assert spells.durations.tolist() == [100, 300, 11783, 50, 10783, 400]
    assert spells.events.tolist() == [True, True, False, True, False, True]
    assert spells.peacekeepers.tolist() == [False, False, False, True, True, True]
    assert re.fullmatch(r"[0-9a-f]{64}", spells.sha256)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ('"A",1000,x,0,-5,0.3,0', "faildate"),
        ('"A",1000,1100,2,-5,0.3,0', "peacekeepers"),
        ('"A",1000,1100,0,-5,0.3,yes', "censored"),
        ('"A",1000,1100,0,bad,0.3,0', "badness"),
        ('"A",1000,900,0,-5,0.3,0', "cfdate <= faildate"),
        ('"A",1000,1100,0,-5,0.3', "fields"),
    ],
)
def test_read_spells_rejects_bad_values(tmp_path: Path, row: str, message: str) -> None:
    with pytest.raises(EvidenceError, match=message):
        read_spells(_write_csv(tmp_path / "m.csv", [*SMALL_ROWS, row]))


def test_main_writes_a_loadable_table(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "out.yaml"
    assert fortna.main([str(_write_csv(tmp_path / "m.csv", SMALL_ROWS)), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.yaml"]  # no temporary left
    data = load_points(out)
    assert data["rows"]["all"] == {"spells": 6, "failed": 4, "censored": 2}
    no_pk = data["kaplan_meier"]["no_peacekeepers"]
    # No peacekeepers: failures at 100 and 300 days among 3 -> 2/3 at 182 days, 1/3 after.
    assert [p["survival"] for p in no_pk] == [1.0, 0.6667, 0.3333, 0.3333]
    assert [p["at_risk"] for p in no_pk] == [3, 2, 1, 1]
    assert data["hazard_ratio"]["events"] == {"peacekeepers": 2, "no_peacekeepers": 2}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim.evidence.fortna", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )


def _assert_refused(result: subprocess.CompletedProcess[str], out: Path) -> None:
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert result.stdout == ""
    assert not out.exists()
    assert list(out.parent.iterdir()) == []


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda d: d / "absent.csv", id="missing"),
        pytest.param(
            lambda d: _write_csv(
                d / "m.csv", SMALL_ROWS, header=HEADER_LINE.replace("delay", "lag")
            ),
            id="wrong-header",
        ),
        pytest.param(
            lambda d: _write_csv(d / "m.csv", [*SMALL_ROWS, '"Z",1,2,0,NA,NA,?']), id="bad-value"
        ),
        pytest.param(lambda d: _write_csv(d / "m.csv", []), id="no-rows"),
    ],
)
def test_cli_refuses_bad_input(tmp_path: Path, make) -> None:
    src = tmp_path / "in"
    src.mkdir()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "evidence.yaml"
    _assert_refused(_run(str(make(src)), "--out", str(out)), out)


# --------------------------------------------------------------------------- #
# The real data and the shipped table
# --------------------------------------------------------------------------- #
def test_real_csv_reproduces_shipped_yaml(tmp_path: Path) -> None:
    csv_path = os.environ.get(CSV_ENV)
    if not csv_path or not Path(csv_path).is_file():
        pytest.skip(f"set {CSV_ENV} to Fortna's minidata.csv to rerun the derivation")
    out = tmp_path / "fortna.yaml"
    result = _run(csv_path, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8") == fortna.shipped_path().read_text(encoding="utf-8")


def test_shipped_yaml_is_well_formed() -> None:
    data = load_points()
    assert re.fullmatch(r"[0-9a-f]{64}", data["source"]["sha256"])
    assert data["source"]["commit"] == fortna.COMMIT
    km = data["kaplan_meier"]
    assert set(km) == {"all", "peacekeepers", "no_peacekeepers"}
    for points in km.values():
        assert [p["days"] for p in points] == list(fortna.POINT_DAYS)
        assert [p["weeks"] for p in points] == [13, 26, 52, 104]
        survival = [p["survival"] for p in points]
        assert survival == sorted(survival, reverse=True)
        assert survival[0] > survival[-1]
        at_risk = [p["at_risk"] for p in points]
        assert at_risk == sorted(at_risk, reverse=True)
        for p in points:
            assert 0.0 <= p["lo"] <= p["survival"] <= p["hi"] <= 1.0
    hr = data["hazard_ratio"]
    assert 0.0 < hr["lo"] < hr["estimate"] < hr["hi"]
    rows = data["rows"]
    assert (
        rows["all"]["spells"] == rows["peacekeepers"]["spells"] + rows["no_peacekeepers"]["spells"]
    )


def test_shipped_yaml_matches_published_figures() -> None:
    # Fortna's data: without peacekeepers about 81/71/61/55 % of ceasefires still hold at
    # 3/6/12/24 months; the unadjusted hazard ratio of peacekeeping is about 0.54.
    data = load_points()
    no_pk = [p["survival"] for p in data["kaplan_meier"]["no_peacekeepers"]]
    assert no_pk == pytest.approx([0.81, 0.71, 0.61, 0.55], abs=0.01)
    assert data["hazard_ratio"]["estimate"] == pytest.approx(0.54, abs=0.01)
    assert data["rows"]["all"]["spells"] == 96


def test_header_constant_matches_csv_header_line() -> None:
    assert HEADER_LINE == ",".join(f'"{h}"' for h in HEADER)
