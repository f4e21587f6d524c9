"""Property-based tests over random valid configurations (hypothesis).

Every model parameter is drawn within its own metadata (``lo``/``hi``/``choices`` in
:mod:`sim.config`) and the cross-field constraints of :func:`sim.config.validate`; hypothesis
favours the ends of each range, where bugs live. For every configuration drawn:

- the run completes without an exception (and, pytest running with warnings as errors, without a
  numerical warning);
- every probability in the summary lies in [0, 1];
- troops, members, strikes, violations and territory stay within their natural bounds;
- members never rejoin once they withdraw (no rule lets them) and cumulative strikes never fall;
- consecutive weekly phases change only along :data:`sim.rules.LEGAL_TRANSITIONS`;
- the Mesa engine and the batched engine agree replication by replication.

Runs are short (WEEKS_RANGE weeks, REPLICATIONS replications) and the search is derandomised, so
the suite is fast and deterministic.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import experiment
from sim.batched import run_batch
from sim.config import MODEL_GROUPS, Config, from_mapping, iter_params
from sim.derived import PATH_INDICATORS
from sim.model import CeasefireModel
from sim.rules import LEGAL_TRANSITIONS

REPLICATIONS = 6
MESA_REPLICATIONS = 2
WEEKS_RANGE = (30, 60)
MAX_EXAMPLES = 30

SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: deterministic CI
    database=None,  # nothing written to the working directory
    suppress_health_check=[HealthCheck.too_slow],
)

_PAIRED = {"deployment.land_share", "deployment.sea_share", "coalition.resolve_low",
           "coalition.resolve_high", "deployment.lead_share", "deployment.germany_share",
           "battlefield.held_outside_claim", "battlefield.initial_territory",
           "terms.force_stays"}  # drawn jointly below (cross-field constraints)


def _field_strategy(f: dataclasses.Field) -> st.SearchStrategy[Any]:
    """Values allowed by one field's metadata."""
    meta = f.metadata
    kind = f.type if isinstance(f.type, str) else f.type.__name__
    if kind == "bool":
        return st.booleans()
    if kind == "str":
        return st.sampled_from(meta["choices"])
    lo, hi = meta["lo"], meta["hi"]
    if kind == "int":
        return st.integers(int(lo), int(hi))
    return st.floats(float(lo), float(hi), allow_nan=False, allow_infinity=False)


@st.composite
def configs(draw: st.DrawFn) -> Config:
    """A random valid configuration of every model parameter, with a short horizon."""
    data: dict[str, dict[str, Any]] = {g: {} for g in MODEL_GROUPS}
    for key, f, _ in iter_params():
        group, _, name = key.partition(".")
        if group in MODEL_GROUPS and key not in _PAIRED:
            data[group][name] = draw(_field_strategy(f), label=key)
    land = draw(st.floats(0.0, 1.0), label="deployment.land_share")
    data["deployment"]["land_share"] = land
    data["deployment"]["sea_share"] = draw(st.floats(0.0, 1.0 - land), label="deployment.sea_share")
    low, high = sorted(draw(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=2),
                            label="coalition resolve bounds"))
    data["coalition"]["resolve_low"], data["coalition"]["resolve_high"] = low, high
    lead = draw(st.floats(0.0, 1.0), label="deployment.lead_share")
    data["deployment"]["lead_share"] = lead
    data["deployment"]["germany_share"] = draw(st.floats(0.0, 1.0 - lead),
                                               label="deployment.germany_share")
    held = draw(st.floats(0.0, 1.0), label="battlefield.initial_territory")
    data["battlefield"]["initial_territory"] = held
    data["battlefield"]["held_outside_claim"] = draw(st.floats(0.0, held),
                                                     label="battlefield.held_outside_claim")
    after = data["deployment"]["timing"] == "after_settlement"
    data["terms"]["force_stays"] = True if after else draw(st.booleans(),
                                                            label="terms.force_stays")
    data["sim"] = {
        "weeks": draw(st.integers(*WEEKS_RANGE), label="sim.weeks"),
        "replications": REPLICATIONS,
        "seed": draw(st.integers(0, 2**63 - 1), label="sim.seed"),
        "engine": "batched", "n_jobs": 1, "progress": "off",
    }
    return from_mapping(data)


def _probabilities(summary: dict[str, Any]) -> list[float]:
    values = []
    for block in (*summary["outcomes"].values(), *summary["ceasefire_within"].values(),
                  summary["war_or_escalation"], *summary["escalation_from"].values(),
                  *summary["referendum"].values()):
        values += [v for k, v in block.items() if k in ("p", "lo", "hi") and v is not None]
    return values


@SETTINGS
@given(cfg=configs())
def test_random_valid_configurations_keep_the_invariants(cfg: Config) -> None:
    res = experiment.run(cfg, keep_paths=True, progress=False)
    rec, paths = res.records, res.raw_paths
    assert paths is not None and len(rec) == REPLICATIONS

    probs = _probabilities(res.summary)
    assert probs and all(0.0 <= p <= 1.0 for p in probs)

    for col in ("n_ceasefires", "n_collapses", "n_breakdowns", "n_strikes", "n_violations",
                "n_referendums", "ceasefire_weeks", "ceasefire_failures",
                "peak_troops_deployed", "members_remaining"):
        assert (rec[col] >= 0).all(), col
    assert (rec["members_remaining"] <= cfg.coalition.members).all()
    assert (rec["n_collapses"] <= rec["n_ceasefires"]).all()
    assert (rec["ceasefire_failures"] <= rec["n_ceasefires"]).all()
    assert (rec["ceasefire_weeks"] <= cfg.sim.weeks).all()
    rate = res.summary["collapse_hazard"]
    if rate["rate"] is not None:
        assert 0 <= rate["lo"] <= rate["rate"] <= rate["hi"]
    for name in ("troops_deployed", "members_remaining", "strikes_cum", "violations"):
        assert (paths[name] >= 0).all(), name
    assert ((paths["territory"] >= 0) & (paths["territory"] <= 1)).all()
    claim = cfg.battlefield.claim
    assert ((paths["claim_gap"] >= 0) & (paths["claim_gap"] <= claim + 1e-12)).all()
    # Credibility: size term < 1, times the US part (at most 1 + the strongest form's excess).
    top = max(1.0, cfg.us.strength_intelligence, cfg.us.strength_air_support,
              cfg.us.strength_ground)
    assert ((paths["credibility"] >= 0) & (paths["credibility"] <= top + 1e-12)).all()
    assert (paths["troops_deployed"] <= cfg.deployment.troops_total * 2 + 26).all()
    # The force is never in Ukraine during war unless it is set to stay (a counterfactual).
    if cfg.force.withdraw_on_collapse:
        at_war = paths["phase"] == 0
        assert (paths["troops_deployed"][at_war] == 0).all()

    # Members never rejoin after withdrawing; strikes only accumulate.
    assert (np.diff(paths["members_remaining"], axis=1) <= 0).all()
    assert (np.diff(paths["strikes_cum"], axis=1) >= 0).all()

    # Only legal phase transitions.
    phase = paths["phase"].astype(np.int64)
    before, after = phase[:, :-1].ravel(), phase[:, 1:].ravel()
    moved = before != after
    legal = {(int(a), int(b)) for a, b in LEGAL_TRANSITIONS}
    pairs = set(zip(before[moved].tolist(), after[moved].tolist(), strict=True))
    assert pairs <= legal, pairs - legal


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return (math.isnan(float(a)) and math.isnan(float(b))) or float(a) == float(b)
    return bool(a == b)


@SETTINGS
@given(cfg=configs())
def test_both_engines_agree_on_random_configurations(cfg: Config) -> None:
    reps = np.arange(MESA_REPLICATIONS)
    batch = run_batch(cfg, reps)
    for i in reps:
        model = CeasefireModel(config=cfg, rng=cfg.sim.seed, replication=int(i))
        while model.running:
            model.step()
        record = model.record()
        for key, value in record.items():
            assert _same(value, batch.columns[key][i]), (key, value, batch.columns[key][i])
        mesa_paths = model.paths()
        for key in (*PATH_INDICATORS, "phase"):
            np.testing.assert_array_equal(np.asarray(mesa_paths[key], dtype=np.float64),
                                          np.asarray(batch.paths[key][i], dtype=np.float64),
                                          err_msg=key)
