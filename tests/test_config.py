"""Config schema, provenance classes, quote roles, presets and validation."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from sim import resources
from sim.api import compose_config
from sim.config import (
    KINDS,
    Config,
    ConfigError,
    field_of,
    from_flat,
    from_mapping,
    iter_params,
    validate,
)
from sim.rules import RULES

ROOT = Path(__file__).resolve().parents[1]
QUOTE_ID = re.compile(r"\bQ\d\d\b")
PROVENANCE = re.compile(r"\bQ\d\d\b|cite:|assumption|calibrated|run setting|scenario name")
SCENARIOS = sorted(p.stem for p in (resources.conf_dir() / "scenario").glob("*.yaml"))
CITATION = re.compile(r"\d{4}|DeepStateMap|ISW|press reports|official|summit")


def test_quote_catalogue_q01_to_q34_verbatim_in_article():
    quotes = resources.quotes()
    assert sorted(quotes) == [f"Q{i:02d}" for i in range(1, 35)]
    article = resources.article_text()
    for qid, text in quotes.items():
        assert text and text in article, f"{qid} is not verbatim in seeds/article.txt"


def test_article_keeps_typographic_characters():
    article = resources.article_text()
    assert "“reassurance force”" in article and "—whether" in article and "Ukraine’s" in article


@pytest.mark.parametrize(("key", "f"), [(k, f) for k, f, _ in iter_params()],
                         ids=[k for k, _, _ in iter_params()])
def test_every_parameter_has_one_provenance_class_with_its_source(key, f):
    meta = f.metadata
    kind, source = meta["kind"], meta["source"]
    assert kind in KINDS, f"{key}: unknown class {kind!r}"
    assert source.strip(), f"{key}: no source"
    quotes = resources.quotes()
    for qid in (*meta["quotes"], *QUOTE_ID.findall(source)):
        assert qid in quotes, f"{key} cites unknown quote {qid}"
    if kind == "quote":
        assert QUOTE_ID.search(source), f"{key}: a quote-class value must name its quote"
    elif kind == "cited":
        assert CITATION.search(source), f"{key}: a cited value must name its source"
    elif kind == "calibrated":
        assert re.search(r"P\(|curve|survival|hazard ratio|territory|as hazard", source), (
            f"{key}: a calibrated value must name its target")
    elif kind == "lever":
        assert meta["choices"] or f.type in (bool, "bool"), f"{key}: a lever is a choice"
    if kind not in ("run", "lever"):
        lo, hi = meta["plausible"]
        value = f.default
        assert lo <= value <= hi, f"{key}: default {value} outside its plausible range"
        assert (meta["lo"] is None or meta["lo"] <= lo) and (meta["hi"] is None or hi <= meta["hi"])
    live = meta["liveness"]
    assert live == "" or live.startswith(("inert: ", "aliased: ")), f"{key}: liveness {live!r}"
    if live.startswith("aliased: "):
        other = live.split()[1]
        field_of(other)  # names a real parameter


def test_every_rule_gives_each_quote_a_role_and_names_known_params():
    keys = {key for key, _, _ in iter_params()}
    quotes = resources.quotes()
    used = set()
    for name, info in RULES.items():
        assert info.quotes or info.assumption, f"rule {name} has neither quotes nor assumption"
        for qid, role in info.roles():
            assert qid in quotes, f"rule {name}: unknown quote {qid}"
            assert role in ("supports", "constrains", "counterfactual")
            used.add(qid)
        both = set(info.supports) & set(info.constrains)
        assert not both, f"rule {name}: {both} both supports and constrains"
        assert set(info.params) <= keys, f"rule {name} names unknown params"
        assert info.doc, f"rule {name} has no docstring"
        if not info.supports:
            assert info.assumption, f"rule {name} rests on no quote's words: say its assumption"
    assert used == set(quotes), f"quotes no rule uses: {sorted(set(quotes) - used)}"


def test_doubted_progress_is_never_read_as_concessions():
    """Q11 ("doubted meaningful progress") and Q12 ("impossible positions") limit Russia's
    acceptance; no rule or parameter turns them into concessions that grow with the rounds."""
    assert not any("concession" in key for key, _, _ in iter_params())
    assert not any("concession" in name for name in RULES)
    for name, info in RULES.items():
        assert "Q12" not in info.supports, f"{name} reads Q12 as support"


def test_every_model_parameter_is_read_by_some_rule_or_engine():
    read = {k for info in RULES.values() for k in info.params}
    sources = "".join((ROOT / "sim" / f).read_text(encoding="utf-8")
                      for f in ("batched.py", "derived.py", "model.py", "agents.py"))
    for key, f, _ in iter_params():
        group, name = key.split(".") if "." in key else ("", key)
        if f.metadata["kind"] == "run" or group in ("sim", ""):
            continue
        assert key in read or re.search(rf"\.{name}\b", sources), f"{key} is read nowhere"


def _yaml_number_lines(path):
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        body = line.split("#", 1)[0]
        if ":" not in body:
            continue
        value = body.split(":", 1)[1].strip()
        if not value:
            continue
        parsed = yaml.safe_load(value)
        if isinstance(parsed, (int, float)) and not isinstance(parsed, bool):
            yield lineno, line


def test_every_number_in_conf_has_a_provenance_comment():
    files = sorted(resources.conf_dir().rglob("*.yaml"))
    assert files
    checked = 0
    for path in files:
        for lineno, line in _yaml_number_lines(path):
            comment = line.split("#", 1)[1] if "#" in line else ""
            assert PROVENANCE.search(comment), f"{path}:{lineno} has a number without provenance"
            checked += 1
    assert checked > 0


def test_project_never_cites_the_steering_pages():
    out = subprocess.run(
        ["git", "grep", "-l", "-E", r"DESIGN(\.md)? ?§|DESIGN\.md|\.\./shared/", "--", "sim",
         "conf", "docs", "notebooks", "tests", "seeds", "README.md", "benchmarks"],
        cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode not in (0, 1):
        pytest.skip("not a git checkout")
    offenders = [p for p in out.stdout.split() if p != "tests/test_config.py"]
    assert offenders == []


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_composes_validates_and_describes_itself(scenario):
    cfg = compose_config(scenario)
    assert cfg.name == scenario
    assert validate(cfg) is cfg
    text = (resources.conf_dir() / "scenario" / f"{scenario}.yaml").read_text(encoding="utf-8")
    description = " ".join(ln[2:] for ln in text.splitlines()
                           if ln.startswith("# ") and "@package" not in ln)
    assert QUOTE_ID.search(description) or "assumption" in description, (
        f"{scenario}: its description names no quote it follows or bends")


def test_scenarios_set_their_levers():
    base = compose_config("article_baseline")
    assert base.deployment.timing == "immediate" and base.us.role == "air_support"
    assert base.terms.recognise == "line_of_contact" and base.terms.force_stays
    assert not base.russia.force_consent and not base.coalition.respect_russian_veto
    assert compose_config("no_force").deployment.timing == "never"
    assert compose_config("ceasefire_holds_first").deployment.timing == "after_ceasefire_holds"
    assert compose_config("deploy_after_settlement").deployment.timing == "after_settlement"
    assert compose_config("commit_now").deployment.timing == "commit_now"
    assert compose_config("us_air_backstop").us.air_support_prob == 1.0
    assert compose_config("us_no_role").us.role == "none"
    assert compose_config("coalition_shrinks").coalition.members < 26
    assert compose_config("russia_soft_line").russia.force_consent
    assert compose_config("veto_respected").coalition.respect_russian_veto
    assert not compose_config("terms_force_leaves").terms.force_stays
    assert compose_config("terms_russia_claim").terms.recognise == "russia_claim"
    claim_only = compose_config("terms_russia_claim_no_force").terms
    assert claim_only.recognise == "russia_claim" and not claim_only.force_stays


def test_overrides_and_group_selection_compose():
    cfg = compose_config("no_force", ["deployment=immediate", "us.role=none", "sim.weeks=52"])
    assert cfg.deployment.timing == "immediate" and cfg.us.role == "none" and cfg.sim.weeks == 52


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ("russia.strike_propensity=1.5", "russia.strike_propensity=1.5 is out of range"),
        ("us.air_support_prob=-0.1", "us.air_support_prob=-0.1 is out of range: allowed [0, 1]"),
        ("deployment.troops_total=-5", "deployment.troops_total=-5"),
        ("sim.replications=0", "sim.replications=0 is out of range"),
        ("sim.weeks=0", "sim.weeks=0 is out of range"),
        ("coalition.members=27", "coalition.members=27 is out of range: allowed [0, 26]"),
        ("coalition.members=-1", "coalition.members=-1 is out of range"),
        ("deployment.timing=sometimes",
         "deployment.timing='sometimes' is not allowed: choose one of never"),
        ("us.role=navy", "us.role='navy' is not allowed: choose one of none, intelligence"),
        ("terms.recognise=all", "terms.recognise='all' is not allowed: choose one of"),
        ("sim.weeks=abc", "sim.weeks='abc': expected a whole number in [1, 5,200]"),
        ("russia.foo=1", "unknown key 'russia.foo': allowed keys in russia are"),
        ("deployment=sometimes", "deployment='sometimes' is not a deployment option"),
        ("ukraine.referendum_required=maybe", "expected true or false"),
    ],
)
def test_bad_overrides_name_key_value_and_allowed(override, fragment):
    with pytest.raises(ConfigError) as err:
        compose_config("article_baseline", [override])
    assert fragment in str(err.value)


def test_unknown_scenario_lists_presets():
    with pytest.raises(ConfigError, match="scenario='bogus' is not a scenario option: choose one of"):
        compose_config("bogus")


def test_cross_field_constraints():
    cfg = Config()
    cfg.deployment.land_share, cfg.deployment.sea_share = 0.8, 0.3
    with pytest.raises(ConfigError, match="land_share \\+ deployment.sea_share"):
        validate(cfg)
    cfg = Config()
    cfg.coalition.resolve_low, cfg.coalition.resolve_high = 0.9, 0.2
    with pytest.raises(ConfigError, match="resolve_low"):
        validate(cfg)
    cfg = Config()
    cfg.deployment.lead_share, cfg.deployment.germany_share = 0.9, 0.2
    with pytest.raises(ConfigError, match="germany_share"):
        validate(cfg)


def test_a_contradictory_settlement_is_a_config_error():
    with pytest.raises(ConfigError, match="after_settlement.*force_stays=false"):
        compose_config("deploy_after_settlement", ["terms.force_stays=false"])


def test_from_mapping_rejects_unknown_keys_and_wrong_types():
    with pytest.raises(ConfigError, match="unknown key 'nonsense'"):
        from_mapping({"nonsense": 1})
    with pytest.raises(ConfigError, match="unknown key russia.bogus"):
        from_mapping({"russia": {"bogus": 1}})
    with pytest.raises(ConfigError, match="expected a whole number"):
        from_mapping({"sim": {"weeks": 10.5}})
    with pytest.raises(ConfigError, match="expected true or false"):
        from_mapping({"ukraine": {"referendum_required": "yes"}})


def test_from_flat_maps_model_keywords():
    cfg = from_flat(weeks=30, us_role="none", coalition_members=5, terms_force_stays=False)
    assert (cfg.sim.weeks, cfg.us.role, cfg.coalition.members) == (30, "none", 5)
    assert not cfg.terms.force_stays
    with pytest.raises(ConfigError, match="unknown model parameter"):
        from_flat(not_a_param=1)


def test_schema_defaults_are_valid_and_typed():
    cfg = validate(Config())
    for key, f, value in iter_params(cfg):
        kind = f.type if isinstance(f.type, str) else f.type.__name__
        if kind == "float":
            assert isinstance(value, float), key
        if kind == "int":
            assert isinstance(value, int) and not isinstance(value, bool), key
    assert dataclasses.asdict(cfg)["coalition"]["members"] == 26
