"""Known-answer tests for sim.metrics."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from sim import metrics
from sim.metrics import (
    OUTCOMES,
    format_summary,
    kaplan_meier,
    km_median,
    mean_interval,
    moves,
    outcome_indicator,
    paired_difference,
    paired_headlines,
    path_summary,
    rate_interval,
    rate_ratio,
    summarise,
    summary_table,
    wilson_interval,
)

Z95 = 1.959963984540054  # Phi^-1(0.975)


# --------------------------------------------------------------------------- #
# wilson_interval
# --------------------------------------------------------------------------- #
def test_wilson_zero_of_ten() -> None:
    # x = 0, n = 10: the Wilson bounds are 0 and z^2 / (n + z^2)
    # = 3.841459 / 13.841459 = 0.277533.
    p, lo, hi = wilson_interval(0, 10)
    assert p == 0.0
    assert lo == 0.0
    assert hi == pytest.approx(0.277533, abs=1e-6)
    assert hi == pytest.approx(Z95**2 / (10 + Z95**2), rel=1e-12)


def test_wilson_five_of_ten() -> None:
    # x = 5, n = 10: centre = (0.5 + z^2/20) / (1 + z^2/10) = 0.5;
    # half = z * sqrt(0.025 + z^2/400) / (1 + z^2/10)
    #      = 1.959964 * sqrt(0.0346036) / 1.3841459 = 0.263407
    # -> [0.236593, 0.763407] (textbook value 0.2366 - 0.7634).
    p, lo, hi = wilson_interval(5, 10)
    assert p == 0.5
    assert lo == pytest.approx(0.236593, abs=1e-6)
    assert hi == pytest.approx(0.763407, abs=1e-6)


def test_wilson_vectorised_and_empty() -> None:
    p, lo, hi = wilson_interval(np.array([0, 5, 10, 0]), np.array([10, 10, 10, 0]))
    np.testing.assert_allclose(p[:3], [0.0, 0.5, 1.0])
    assert lo[2] == pytest.approx(1 - 0.277533, abs=1e-6)
    assert hi[2] == 1.0
    assert np.isnan(p[3])
    assert np.isnan(lo[3])
    assert np.isnan(hi[3])
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_wilson_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(11, 10)
    with pytest.raises(ValueError, match="level"):
        wilson_interval(1, 10, level=1.5)


# --------------------------------------------------------------------------- #
# mean_interval
# --------------------------------------------------------------------------- #
def test_mean_interval_known_answer() -> None:
    # x = (1, 2, 3): mean 2, s = 1, se = 1/sqrt(3), t_{0.975, 2} = 4.302653
    # -> half width 2.484138.
    mean, lo, hi = mean_interval([1.0, 2.0, 3.0, np.nan])
    assert mean == 2.0
    assert lo == pytest.approx(2 - 2.484138, abs=1e-6)
    assert hi == pytest.approx(2 + 2.484138, abs=1e-6)


def test_mean_interval_small_samples() -> None:
    assert all(math.isnan(v) for v in mean_interval([]))
    mean, lo, hi = mean_interval([4.0])
    assert mean == 4.0
    assert math.isnan(lo)
    assert math.isnan(hi)
    assert mean_interval([3.0, 3.0, 3.0]) == (3.0, 3.0, 3.0)


# --------------------------------------------------------------------------- #
# kaplan_meier
# --------------------------------------------------------------------------- #
def test_km_without_censoring_is_empirical_survival() -> None:
    # seed 20240601, 200 spells, all failures: KM must equal #(T > t) / n.
    rng = np.random.default_rng(20240601)
    durations = rng.integers(1, 40, size=200).astype(float)
    horizon = 45
    km = kaplan_meier(durations, np.ones(200, dtype=bool), horizon)
    weeks = np.arange(horizon + 1)
    expected = (durations[None, :] > weeks[:, None]).mean(axis=1)
    np.testing.assert_array_equal(km["week"], weeks)
    np.testing.assert_allclose(km["survival"], expected, rtol=0, atol=1e-12)
    assert km["survival"].iloc[0] == 1.0
    assert (km["censored"] == 0).all()
    assert (km["lo"] <= km["survival"] + 1e-12).all()
    assert (km["hi"] >= km["survival"] - 1e-12).all()


def test_km_hand_example() -> None:
    # Spells (weeks, failed?): (2,T) (3,T) (3,F) (5,T) (6,F), horizon 6.
    # week  at risk  events  censored  S
    #   0      5       0        0      1
    #   1      5       0        0      1
    #   2      5       1        0      4/5            = 0.8
    #   3      4       1        1      0.8 * 3/4      = 0.6
    #   4      2       0        0      0.6
    #   5      2       1        0      0.6 * 1/2      = 0.3
    #   6      1       0        1      0.3
    # Greenwood at week 3: V = 1/(5*4) + 1/(4*3) = 0.133333;
    # log-log: c = z * sqrt(V) / |ln 0.6| = 1.959964 * 0.365148 / 0.510826 = 1.401
    # band = [0.6**exp(c), 0.6**exp(-c)] = [0.125730, 0.881756].
    km = kaplan_meier([2, 3, 3, 5, 6], [True, True, False, True, False], 6)
    assert km["at_risk"].tolist() == [5, 5, 5, 4, 2, 2, 1]
    assert km["events"].tolist() == [0, 0, 1, 1, 0, 1, 0]
    assert km["censored"].tolist() == [0, 0, 0, 1, 0, 0, 1]
    np.testing.assert_allclose(km["survival"], [1, 1, 0.8, 0.6, 0.6, 0.3, 0.3])
    v = 1 / 20 + 1 / 12
    c = Z95 * math.sqrt(v) / abs(math.log(0.6))
    assert km.loc[3, "lo"] == pytest.approx(0.6 ** math.exp(c), rel=1e-12)
    assert km.loc[3, "hi"] == pytest.approx(0.6 ** math.exp(-c), rel=1e-12)
    assert km.loc[3, "lo"] == pytest.approx(0.125730, abs=1e-6)
    assert km.loc[3, "hi"] == pytest.approx(0.881756, abs=1e-6)
    assert km.loc[0, "lo"] == km.loc[0, "hi"] == 1.0
    assert km_median(km) == 5.0
    assert list(km.columns) == [
        "week",
        "at_risk",
        "events",
        "censored",
        "survival",
        "lo",
        "hi",
    ]


def test_km_all_fail_and_nan_dropped() -> None:
    km = kaplan_meier([1, 1, np.nan], [True, True, False], 3)
    assert km["survival"].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert km["lo"].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert km["at_risk"].tolist() == [2, 2, 0, 0]
    assert km_median(kaplan_meier([4], [False], 5)) != km_median(km)
    assert math.isnan(km_median(kaplan_meier([4], [False], 5)))


def test_km_rejects_fractional_durations() -> None:
    with pytest.raises(ValueError, match="whole weeks"):
        kaplan_meier([1.5], [True], 3)


# --------------------------------------------------------------------------- #
# path_summary
# --------------------------------------------------------------------------- #
def test_path_summary_exact_values() -> None:
    # 5 replications x weeks 0..2; column j = (0,1,2,3,4) * (j + 1).
    # mean = 2 (j+1); numpy linear quantiles of 0..4: q05 = 0.05*4 = 0.2,
    # q95 = 0.95*4 = 3.8 (scaled by j + 1).
    base = np.arange(5, dtype=np.float32)[:, None]
    values = base * np.array([1, 2, 3], dtype=np.float32)
    phase = np.array(
        [[0, 1, 2], [0, 1, 2], [0, 0, 3], [0, 1, 1], [0, 0, 0]], dtype=np.int8
    )
    out = path_summary({"territory": values, "phase": phase}, weeks=2)
    assert list(out.columns) == ["week", "indicator", "mean", "p05", "p95"]
    terr = out[out["indicator"] == "territory"]
    np.testing.assert_allclose(terr["mean"], [2, 4, 6], rtol=1e-6)
    np.testing.assert_allclose(terr["p05"], [0.2, 0.4, 0.6], rtol=1e-6)
    np.testing.assert_allclose(terr["p95"], [3.8, 7.6, 11.4], rtol=1e-6)

    expected_shares = {
        "share_war": [5, 2, 1],
        "share_ceasefire": [0, 3, 1],
        "share_settlement": [0, 0, 2],
        "share_escalation": [0, 0, 1],
    }
    for name, counts in expected_shares.items():
        rows = out[out["indicator"] == name]
        _, lo, hi = wilson_interval(np.array(counts), np.full(3, 5))
        np.testing.assert_allclose(rows["mean"], np.array(counts) / 5)
        np.testing.assert_allclose(rows["p05"], lo)
        np.testing.assert_allclose(rows["p95"], hi)
    shares = out[out["indicator"].str.startswith("share_")]
    np.testing.assert_allclose(shares.groupby("week")["mean"].sum(), 1.0)


def test_path_summary_blocks_match_direct_quantiles() -> None:
    # seed 7, 1000 x 41 float32: crosses several quantile blocks.
    rng = np.random.default_rng(7)
    weeks = 40
    arr = rng.normal(size=(1000, weeks + 1)).astype(np.float32)
    assert weeks + 1 > metrics.QUANTILE_BLOCK_COLUMNS
    out = path_summary({"threat": arr}, weeks)
    q = np.quantile(arr, [0.05, 0.95], axis=0)
    np.testing.assert_allclose(out["p05"], q[0], rtol=1e-6)
    np.testing.assert_allclose(out["p95"], q[1], rtol=1e-6)
    np.testing.assert_allclose(out["mean"], arr.astype(np.float64).mean(axis=0))
    assert out["week"].tolist() == list(range(weeks + 1))


def test_path_summary_validates_shape() -> None:
    with pytest.raises(ValueError, match="shape"):
        path_summary({"threat": np.zeros((3, 4))}, weeks=5)
    with pytest.raises(ValueError, match="phase codes"):
        path_summary({"phase": np.full((2, 3), 4, dtype=np.int8)}, weeks=2)


# --------------------------------------------------------------------------- #
# summarise / summary_table / format_summary
# --------------------------------------------------------------------------- #
def _records() -> pd.DataFrame:
    """Ten hand-built replications (weeks = 60)."""
    nan = np.nan
    return pd.DataFrame(
        {
            "replication": np.arange(10),
            "seed": np.arange(100, 110, dtype=np.uint64),
            "outcome": [
                "settlement",
                "ceasefire_holding",
                "ceasefire_holding",
                "war",
                "war",
                "war",
                "war",
                "ceasefire_holding",
                "settlement",
                "war",
            ],
            "week_first_ceasefire": [5, 10, 12, 20, nan, nan, nan, 40, 52, 58],
            "week_first_collapse": [nan, nan, nan, 30, nan, nan, nan, nan, nan, 59],
            "week_settlement": [30, nan, nan, nan, nan, nan, nan, nan, 55, nan],
            "week_escalation": [nan] * 10,
            "week_first_strike": [nan] * 10,
            "peace_duration": [55, 50, 48, 10, nan, nan, nan, 20, 8, 1],
            "peace_failed": [
                *(False, False, False, True, False),
                *(False, False, False, False, True),
            ],
            "n_ceasefires": [1, 1, 1, 1, 0, 0, 0, 1, 1, 1],
            "n_collapses": [0, 0, 0, 1, 0, 0, 0, 0, 0, 1],
            "n_breakdowns": [0] * 10,
            "n_strikes": [0, 1, 2, 3, 4, 0, 1, 2, 3, 4],
            "n_violations": [0] * 10,
            "n_referendums": [1, 0, 0, 0, 0, 0, 0, 0, 2, 0],
            "referendum_passed": [True, *(False,) * 7, True, False],
            "ceasefire_weeks": [25, 50, 48, 10, 0, 0, 0, 20, 3, 1],
            "ceasefire_failures": [0, 0, 0, 1, 0, 0, 0, 0, 0, 1],
            "escalation_from": [-1] * 10,
            "peak_troops_deployed": [0.0] * 10,
            "members_remaining": [26, 26, 25, 24, 26, 26, 26, 25, 26, 20],
            "final_territory": np.linspace(0.1, 0.2, 10),
            "final_claim_gap": np.linspace(0.03, 0.01, 10),
            "us_form": [2] * 10,
        }
    )


def test_summarise_hand_built() -> None:
    records = _records()
    s = summarise(records, 60, scenario="test", seed=123)
    json.dumps(s, allow_nan=False)  # JSON-safe
    assert (s["scenario"], s["replications"], s["seed"], s["weeks"]) == (
        "test",
        10,
        123,
        60,
    )
    # outcomes: settlement 2/10, ceasefire_holding 3/10, war 5/10, escalation 0/10
    expected = {"settlement": 2, "ceasefire_holding": 3, "war": 5, "escalation": 0}
    for name in OUTCOMES:
        p, lo, hi = wilson_interval(expected[name], 10)
        assert s["outcomes"][name] == {"p": p, "lo": lo, "hi": hi}
    assert s["outcomes"]["escalation"]["p"] == 0.0
    # first ceasefire by week 12: weeks 5, 10, 12 -> 3/10; by 52: 6/10; by 60: 7/10
    assert list(s["ceasefire_within"]) == ["13", "52", "60"]
    assert s["ceasefire_within"]["13"]["p"] == pytest.approx(0.3)
    assert s["ceasefire_within"]["52"]["p"] == pytest.approx(0.6)
    assert s["ceasefire_within"]["60"]["p"] == pytest.approx(0.7)
    # median of (5, 10, 12, 20, 40, 52, 58) = 20
    assert s["n_with_ceasefire"] == 7
    assert s["median_week_first_ceasefire"] == 20.0
    # ceasefire failures per 100 ceasefire-weeks: 2 failures in 157 weeks
    assert s["collapse_hazard"]["rate"] == pytest.approx(200 / 157)
    assert (s["collapse_hazard"]["failures"], s["collapse_hazard"]["weeks"]) == (2, 157)
    assert s["collapse_hazard"]["lo"] < s["collapse_hazard"]["rate"] < s["collapse_hazard"]["hi"]
    # war or escalation: 5 of 10; referendum held in 2, passed in 2
    assert s["war_or_escalation"]["p"] == pytest.approx(0.5)
    assert s["referendum"]["held"]["p"] == pytest.approx(0.2)
    assert s["referendum"]["passed"]["p"] == pytest.approx(0.2)
    assert s["escalation_from"]["ceasefire"]["p"] == 0.0
    assert s["final_claim_gap"]["mean"] == pytest.approx(0.02)
    # strikes mean 20/10 = 2.0; members mean 250/10 = 25.0
    assert s["strikes"]["mean"] == pytest.approx(2.0)
    assert s["members_remaining"]["mean"] == pytest.approx(25.0)
    assert s["final_territory"]["mean"] == pytest.approx(0.15)
    assert s["peace_duration"]["n_spells"] == 7
    assert s["peace_duration"]["n_failed"] == 2
    assert s["peace_duration"]["median_weeks"] is None


def test_summarise_short_horizon_and_no_ceasefire() -> None:
    records = _records().assign(week_first_ceasefire=np.nan, peace_duration=np.nan)
    s = summarise(records, 20, scenario="none", seed=np.uint64(2**63))
    json.dumps(s, allow_nan=False)
    assert list(s["ceasefire_within"]) == ["13", "20"]
    assert s["median_week_first_ceasefire"] is None
    assert s["n_with_ceasefire"] == 0
    assert s["seed"] == 2**63
    s = summarise(records.assign(ceasefire_weeks=0, ceasefire_failures=0), 20, scenario="none",
                  seed=1)
    assert s["collapse_hazard"] == {"rate": None, "lo": None, "hi": None, "failures": 0,
                                    "weeks": 0}


def test_summarise_rejects_unknown_outcome() -> None:
    records = _records()
    records.loc[0, "outcome"] = "victory"
    with pytest.raises(ValueError, match="unknown outcome"):
        summarise(records, 60, scenario="x", seed=1)


def test_summary_table_and_format() -> None:
    s = summarise(_records(), 60, scenario="baseline", seed=42)
    table = summary_table(s)
    assert list(table.columns) == ["name", "quantity", "estimate", "lo", "hi"]
    names = set(table["name"])
    flat = set(metrics.flat_outcomes(s))
    assert {"p_settlement", "p_war_or_escalation", "collapse_hazard", "mean_strikes"} <= names
    # one naming scheme: every name that is also a flat outcome is spelled the same way
    assert {n for n in names if n in flat} >= {"p_settlement", "collapse_hazard"}
    assert table["quantity"].iloc[0] == "P(settlement)"
    row = table.set_index("quantity").loc["P(war)"]
    assert row["estimate"] == pytest.approx(0.5)
    text = format_summary(s)
    first = text.splitlines()[0]
    for token in ("baseline", "10", "42", "60"):
        assert token in first
    assert "P(settlement)" in text
    p, lo, hi = wilson_interval(2, 10)
    assert f"{p:.3f}  [{lo:.3f}, {hi:.3f}]" in text


# --------------------------------------------------------------------------- #
# paired_difference
# --------------------------------------------------------------------------- #
def test_paired_difference_reduces_variance() -> None:
    # seed 12345, n = 2000: b = a + 0.3 + small noise, so a and b are strongly
    # positively correlated and the paired se must be far below the unpaired se.
    rng = np.random.default_rng(12345)
    n = 2000
    a_vals = rng.normal(10.0, 3.0, n)
    b_vals = a_vals + 0.3 + rng.normal(0.0, 0.5, n)
    base = pd.DataFrame({"replication": np.arange(n), "seed": np.arange(n)})
    rec_a = base.assign(n_strikes=a_vals)
    rec_b = base.assign(n_strikes=b_vals).iloc[::-1]  # order must not matter
    res = paired_difference(rec_a, rec_b, "n_strikes")
    assert res["n"] == n
    assert res["se_paired"] < res["se_unpaired"] / 3
    assert res["lo"] < -0.3 < res["hi"]
    assert res["diff"] == pytest.approx(float(np.mean(a_vals - b_vals)))
    assert res["hi"] - res["lo"] < res["hi_unpaired"] - res["lo_unpaired"]


def test_paired_difference_outcome_indicator_and_mismatch() -> None:
    rec_a = _records()
    rec_b = _records()
    rec_b.loc[0, "outcome"] = "escalation"
    res = paired_difference(rec_a, rec_b, outcome_indicator("escalation"))
    assert res["diff"] == pytest.approx(-0.1)
    assert res["mean_b"] == pytest.approx(0.1)
    rec_c = _records()
    rec_c.loc[3, "seed"] = 999
    with pytest.raises(ValueError, match="seed"):
        paired_difference(rec_a, rec_c, "n_strikes")
    with pytest.raises(ValueError, match="replications"):
        paired_difference(rec_a, rec_a.iloc[1:], "n_strikes")


def test_rate_interval_closed_form_and_rule_of_three() -> None:
    rate, lo, hi = rate_interval([1, 0, 1, 0], [10, 10, 10, 10])
    assert rate == pytest.approx(5.0)
    # delta method: r = 0.05, influences e - r w = [0.5, -0.5, 0.5, -0.5], W = 40
    se = math.sqrt(4 * 0.25) / 40
    assert lo == pytest.approx(100 * (0.05 - 1.959963984540054 * se))
    assert hi == pytest.approx(100 * (0.05 + 1.959963984540054 * se))
    assert rate_interval([0, 0], [50, 50]) == (0.0, 0.0, pytest.approx(3.0))


def test_paired_headlines_recover_a_known_difference() -> None:
    """Seed 7, 20,000 replications: B has P(settlement) raised by 0.1 on a known subset."""
    rng = np.random.default_rng(7)
    n = 20_000
    base = pd.DataFrame({
        "replication": np.arange(n), "seed": np.arange(n, dtype=np.uint64),
        "outcome": np.where(rng.uniform(size=n) < 0.3, "settlement", "war"),
        "week_first_ceasefire": np.where(rng.uniform(size=n) < 0.5, 10.0, np.nan),
        "ceasefire_weeks": rng.integers(0, 50, n), "ceasefire_failures": rng.integers(0, 2, n),
    })
    other = base.copy()
    flip = (other["outcome"] == "war") & (rng.uniform(size=n) < 0.1 / 0.7)
    other.loc[flip, "outcome"] = "settlement"
    res = paired_headlines(other, base)
    assert res["p_settlement"]["diff"] == pytest.approx(0.1, abs=0.01)
    assert moves(res["p_settlement"]) and moves(res["p_war_or_escalation"])
    assert res["p_first_ceasefire"]["diff"] == 0 and not moves(res["p_first_ceasefire"])
    assert res["collapse_hazard"]["diff"] == 0 and not moves(res["collapse_hazard"])
    shifted = base.assign(ceasefire_failures=base["ceasefire_failures"] + (base.index % 5 == 0))
    haz = paired_headlines(shifted, base)["collapse_hazard"]
    assert haz["diff"] > 0 and moves(haz)


def test_rate_ratio_recovers_a_known_ratio_and_is_one_against_itself() -> None:
    """Seed 11, 40,000 replications of 20 ceasefire-weeks: B fails at 2% a week, A at 1%
    (failures drawn per week), so the ratio is 0.5 within its interval."""
    rng = np.random.default_rng(11)
    n, w = 40_000, 20
    u = rng.uniform(size=(n, w))
    base = pd.DataFrame({"replication": np.arange(n), "seed": np.arange(n, dtype=np.uint64),
                         "ceasefire_weeks": np.full(n, w)})
    b = base.assign(ceasefire_failures=(u < 0.02).sum(axis=1))
    a = base.assign(ceasefire_failures=(u < 0.01).sum(axis=1))  # common random numbers
    res = rate_ratio(a, b)
    assert res["lo"] < 0.5 < res["hi"] and res["ratio"] == pytest.approx(0.5, abs=0.03)
    assert res["rate_b"] == pytest.approx(2.0, rel=0.03)
    same = rate_ratio(b, b)
    assert same["ratio"] == 1.0 and same["lo"] == same["hi"] == 1.0
    none = rate_ratio(base.assign(ceasefire_failures=0), b)
    assert math.isnan(none["ratio"])


@pytest.mark.parametrize("df", [30, 31, 99, 999, 100_000])
@pytest.mark.parametrize("p", [0.9, 0.975, 0.995])
def test_t_quantile_series_matches_scipy(df: int, p: float) -> None:
    from scipy import stats

    assert metrics.t_quantile(p, df) == pytest.approx(float(stats.t.ppf(p, df)), rel=2e-5)
    assert metrics.t_quantile(1 - p, df) == pytest.approx(-metrics.t_quantile(p, df))


def test_t_quantile_small_samples_use_the_exact_quantile() -> None:
    from scipy import stats

    assert metrics.t_quantile(0.975, 3) == float(stats.t.ppf(0.975, 3))
    assert metrics.t_quantile(0.975, 29) == float(stats.t.ppf(0.975, 29))
