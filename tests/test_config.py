"""Config schema, provenance, quotes and validation."""

from __future__ import annotations

import dataclasses
import re

import pytest
import yaml

from sim import resources
from sim.api import compose_config
from sim.config import Config, ConfigError, from_flat, from_mapping, iter_params, validate
from sim.rules import RULES

QUOTE_ID = re.compile(r"\bQ\d\d\b")
PROVENANCE = re.compile(r"\bQ\d\d\b|cite:|assumption|run setting|scenario name")
SCENARIOS = ("article_baseline", "no_force", "deploy_after_settlement", "commit_now",
             "us_air_backstop", "us_no_role", "coalition_shrinks", "russia_soft_line")


def test_quote_catalogue_has_q01_to_q29_verbatim_in_article():
    quotes = resources.quotes()
    assert sorted(quotes) == [f"Q{i:02d}" for i in range(1, 30)]
    article = resources.article_text()
    for qid, text in quotes.items():
        assert text and text in article, f"{qid} is not verbatim in seeds/article.txt"


def test_article_keeps_typographic_characters():
    article = resources.article_text()
    assert "“reassurance force”" in article and "—whether" in article and "Ukraine’s" in article


def test_every_parameter_has_provenance_with_known_quotes():
    quotes = resources.quotes()
    for key, f, _ in iter_params():
        prov = f.metadata.get("prov", "")
        assert PROVENANCE.search(prov), f"{key} has no provenance: {prov!r}"
        for qid in QUOTE_ID.findall(prov):
            assert qid in quotes, f"{key} cites unknown quote {qid}"


def test_every_rule_has_quotes_or_assumption_and_known_params():
    keys = {key for key, _, _ in iter_params()}
    quotes = resources.quotes()
    for name, info in RULES.items():
        assert info.quotes or info.assumption, f"rule {name} has neither quotes nor assumption"
        assert set(info.quotes) <= set(quotes), name
        assert set(info.params) <= keys, f"rule {name} names unknown params"
        assert info.doc, f"rule {name} has no docstring"


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


def test_calibrated_parameters_name_their_target():
    targets = {key: f.metadata["target"] for key, f, _ in iter_params() if f.metadata.get("target")}
    assert {"russia.accept_intercept", "ceasefire.force_deterrence",
            "battlefield.momentum_base"} <= set(targets)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_composes_and_validates(scenario):
    cfg = compose_config(scenario)
    assert cfg.name == scenario
    assert validate(cfg) is cfg


def test_scenarios_set_their_levers():
    base = compose_config("article_baseline")
    assert base.deployment.timing == "immediate" and base.us.role == "air_support"
    assert compose_config("no_force").deployment.timing == "never"
    assert compose_config("deploy_after_settlement").deployment.timing == "after_settlement"
    assert compose_config("commit_now").deployment.timing == "commit_now"
    assert compose_config("us_air_backstop").us.backing_prob == 1.0
    assert compose_config("us_no_role").us.role == "none"
    assert compose_config("coalition_shrinks").coalition.members < 26
    assert (compose_config("russia_soft_line").russia.strike_propensity
            < base.russia.strike_propensity)


def test_overrides_and_group_selection_compose():
    cfg = compose_config("no_force", ["deployment=immediate", "us.role=none", "sim.weeks=52"])
    assert cfg.deployment.timing == "immediate" and cfg.us.role == "none" and cfg.sim.weeks == 52


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ("russia.strike_propensity=1.5", "russia.strike_propensity=1.5 is out of range"),
        ("us.backing_prob=-0.1", "us.backing_prob=-0.1 is out of range: allowed [0, 1]"),
        ("deployment.troops_total=-5", "deployment.troops_total=-5"),
        ("sim.replications=0", "sim.replications=0 is out of range"),
        ("sim.weeks=0", "sim.weeks=0 is out of range"),
        ("coalition.members=27", "coalition.members=27 is out of range: allowed [0, 26]"),
        ("coalition.members=-1", "coalition.members=-1 is out of range"),
        ("deployment.timing=sometimes", "deployment.timing='sometimes' is not allowed: choose one of never"),
        ("us.role=navy", "us.role='navy' is not allowed: choose one of none, intelligence"),
        ("sim.weeks=abc", "sim.weeks='abc': expected a number"),
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
    cfg = from_flat(weeks=30, us_role="none", coalition_members=5)
    assert (cfg.sim.weeks, cfg.us.role, cfg.coalition.members) == (30, "none", 5)
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
