"""Typed configuration schema, provenance and validation.

Every parameter that drives behaviour is a dataclass field here, with its allowed range and its
provenance (quote IDs from ``seeds/quotes.yaml``, a citation, or ``assumption: <reason>``) in the
field metadata. Hydra composes YAML files in ``conf/`` on top of these defaults; every number a YAML
file sets carries its own provenance comment (checked by ``tests/test_config.py``).

Validation runs before any simulation: :func:`validate` raises :class:`ConfigError` naming the key,
the value given and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

INF = math.inf

TIMINGS = ("never", "commit_now", "immediate", "after_ceasefire_holds", "after_settlement")
US_ROLES = ("none", "intelligence", "air_support", "ground")
POSTURES = ("rear", "tripwire")
ENGINES = ("batched", "mesa")
GERMANY_CONDITIONS = ("ceasefire_holds", "settlement")
PROGRESS = ("auto", "on", "off")
MAX_MEMBERS = 26  # Q02: "26 countries had formally committed"


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong type or outside its allowed range."""


def param(
    default: Any,
    prov: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    choices: tuple[str, ...] | None = None,
    target: str | None = None,
    doc: str = "",
) -> Any:
    """A dataclass field carrying its range, provenance and calibration target.

    Args:
        default: Default value.
        prov: Provenance: quote IDs (``"Q01,Q09"``), ``"cite: ..."``, ``"assumption: ..."``, or
            a combination separated by ``"; "``.
        lo: Inclusive lower bound for numbers.
        hi: Inclusive upper bound for numbers.
        choices: Allowed strings.
        target: The calibration target (DESIGN §3) this default was set for, if any.
        doc: One-line meaning, shown in the rulebook.
    """
    meta = {"prov": prov, "lo": lo, "hi": hi, "choices": choices, "target": target, "doc": doc}
    return field(default=default, metadata=meta)


def _run_param(default: Any, lo: float, hi: float, doc: str) -> Any:
    return param(default, "run setting: not a model assumption", lo=lo, hi=hi, doc=doc)


@dataclass
class SimConfig:
    """Run settings: horizon, replications, seed, engine and parallelism."""

    weeks: int = _run_param(104, 1, 5200, "horizon in weeks (two years)")
    replications: int = _run_param(1000, 1, 10_000_000, "independent replications")
    seed: int = _run_param(20250904, 0, 2**63 - 1, "base seed of the common random numbers")
    engine: str = param(
        "batched",
        "run setting: not a model assumption",
        choices=ENGINES,
        doc="batched (numpy, fast) or mesa (agent objects); identical results",
    )
    n_jobs: int = _run_param(1, -1, 1024, "worker processes; -1 = all cores")
    chunk_size: int = _run_param(20000, 1, 1_000_000, "replications per batched chunk")
    progress: str = param(
        "auto", "run setting: not a model assumption", choices=PROGRESS, doc="progress bar"
    )
    figures: bool = param(
        True, "run setting: not a model assumption",
        doc="draw the per-run PNG figures (switch off for large sweeps)",
    )


@dataclass
class DeploymentConfig:
    """When and how the coalition's reassurance force deploys."""

    timing: str = param(
        "immediate",
        "Q01, Q02, Q24",
        choices=TIMINGS,
        doc="when the force deploys; the Paris plan under discussion is 'immediate' (Q01)",
    )
    troops_total: float = param(
        20000.0,
        "Q04; cite: press reports in 2025 of a 10,000–30,000-strong reassurance force (DESIGN §3)",
        lo=0,
        hi=200_000,
        doc="troops pledged across the coalition ('thousands', Q04); midpoint of 10–30k",
    )
    posture: str = param(
        "rear",
        "Q03",
        choices=POSTURES,
        doc="'rear' (off the front line, Q03) or the counterfactual 'tripwire'",
    )
    hold_weeks: int = param(
        12,
        "Q24; assumption: a quarter of a year counts as a ceasefire that 'holds'",
        lo=0,
        hi=5200,
        doc="weeks a ceasefire must hold before 'after_ceasefire_holds' deploys",
    )
    land_share: float = param(
        0.6, "Q02; assumption: land-heavy mix for a ground reassurance force", lo=0, hi=1,
        doc="share of each pledge that is land forces",
    )
    sea_share: float = param(
        0.2, "Q02; assumption: Black Sea demining and escort role", lo=0, hi=1,
        doc="share of each pledge that is naval (the rest is air)",
    )
    exposure_land: float = param(
        1.0, "Q01, Q03; assumption: land forces are the reference exposure", lo=0, hi=10,
        doc="strike exposure per land soldier",
    )
    exposure_sea: float = param(
        0.4, "Q01, Q03; assumption: ships are less exposed than land forces (land > sea > air)",
        lo=0, hi=10, doc="strike exposure per sailor",
    )
    exposure_air: float = param(
        0.2, "Q01, Q03; assumption: air units based outside Ukraine are least exposed",
        lo=0, hi=10, doc="strike exposure per airman",
    )
    tripwire_multiplier: float = param(
        3.0, "Q03; assumption: counterfactual front-line posture triples exposure",
        lo=1, hi=100, doc="exposure multiplier under the 'tripwire' posture",
    )
    lead_share: float = param(
        0.5, "Q23; assumption: the UK and France lead with half the force between them",
        lo=0, hi=1, doc="share of the total pledged by the UK and France together",
    )
    pledge_spread: float = param(
        0.5, "assumption: generic pledges vary ±50% around their mean", lo=0, hi=1,
        doc="generic member pledge ~ mean × U(1 − spread, 1 + spread)",
    )


@dataclass
class UsConfig:
    """The United States: role in the guarantee and mediation."""

    role: str = param(
        "air_support", "Q06, Q07, Q21", choices=US_ROLES,
        doc="US role; 'ground' is a counterfactual (Q21)",
    )
    backing_prob: float = param(
        0.675,
        "Q07; cite: ODNI Intelligence Community Directive 203 (2015) maps 'probably' to 55–80%",
        lo=0, hi=1, doc="probability the stated US role is actually delivered",
    )
    strength_intelligence: float = param(
        0.25, "assumption: intelligence sharing backs the force far less than air cover",
        lo=0, hi=5, doc="deterrent strength of an intelligence-only role (air support = 1)",
    )
    strength_air_support: float = param(
        1.0, "Q07; assumption: air support is the reference strength", lo=0, hi=5,
        doc="deterrent strength of air support",
    )
    strength_ground: float = param(
        1.5, "Q21; assumption: counterfactual ground troops back the force more than air cover",
        lo=0, hi=5, doc="deterrent strength of US ground forces",
    )
    mediation_boost: float = param(
        0.2, "Q15, Q16; assumption: the Alaska summit lifts the weekly chance of talks by 0.2",
        lo=0, hi=1, doc="extra weekly talk probability from US mediation at week 0",
    )
    mediation_half_life_weeks: float = param(
        8.0, "Q15 ('briefly raised hopes'); assumption: the effect halves every two months",
        lo=0.1, hi=5200, doc="half-life of the mediation effect",
    )


@dataclass
class RussiaConfig:
    """Russia's stances: red line, acceptance of a ceasefire, external support."""

    strike_propensity: float = param(
        0.03,
        "Q01 ('legitimate targets'); assumption: a 3% weekly chance against 10,000 exposed, "
        "undeterred troops",
        lo=0, hi=1, doc="weekly strike probability per 10,000 exposed troops without deterrence",
    )
    settlement_hostility: float = param(
        0.25, "Q08; assumption: after a settlement a remaining force is a quarter as provocative",
        lo=0, hi=1, doc="strike propensity multiplier after a settlement",
    )
    escalation_prob: float = param(
        0.15, "Q01, Q10; assumption: one strike in seven turns into a direct clash",
        lo=0, hi=1, doc="probability that a strike on the force escalates",
    )
    deterrence_us: float = param(
        0.35, "Q07, Q23; assumption: full US backing cuts strikes by 35%", lo=0, hi=1,
        doc="strike reduction from US backing (× role strength, capped at 1)",
    )
    deterrence_size: float = param(
        0.25, "Q02; assumption: the full 26-member coalition cuts strikes by 25%", lo=0, hi=1,
        doc="strike reduction from coalition size (× members / 26)",
    )
    threat_base: float = param(
        1.0, "Q09, Q10; assumption: baseline hostility to NATO, index units", lo=0, hi=100,
        doc="threat perception with no force pledged",
    )
    threat_per_10k_pledged: float = param(
        0.4, "Q09, Q17; assumption", lo=0, hi=100,
        doc="threat added per 10,000 troops pledged",
    )
    threat_per_10k_deployed: float = param(
        0.6, "Q09; assumption: troops on the ground threaten more than pledges", lo=0, hi=100,
        doc="threat added per 10,000 troops deployed",
    )
    narrative_boost: float = param(
        1.0, "Q22; assumption: committing now adds as much threat as 25,000 pledged", lo=0, hi=100,
        doc="threat added while troops are committed before a ceasefire",
    )
    accept_intercept: float = param(
        -1.2, "Q28, Q29", lo=-50, hi=50,
        target="P(ceasefire within 12 weeks) ≤ 0.06 (Q29 'slim') and within 104 weeks in "
        "[0.4, 0.65] (Q28 'light at the end of the tunnel')",
        doc="logit of Russia's acceptance in a round of talks",
    )
    threat_weight: float = param(
        0.8, "Q09, Q17; assumption", lo=0, hi=50,
        doc="acceptance logit lost per unit of threat perception",
    )
    immediate_penalty: float = param(
        1.0, "Q01, Q09; assumption: an immediate deployment costs one logit unit", lo=0, hi=50,
        doc="acceptance logit lost when the force would deploy at the ceasefire",
    )
    mediation_weight: float = param(
        4.0, "Q15, Q16; assumption", lo=0, hi=50,
        doc="acceptance logit gained per unit of US mediation effect",
    )
    concession_per_round: float = param(
        0.05, "Q11, Q12; assumption: small concessions per round held", lo=0, hi=10,
        doc="acceptance logit gained per round of talks held so far",
    )
    stalling: float = param(
        0.5, "Q18", lo=0, hi=50,
        doc="acceptance logit lost per pp/yr of momentum in Russia's favour",
    )
    weariness_rate: float = param(
        0.02, "Q26; assumption: war weariness grows slowly", lo=0, hi=10,
        doc="weekly growth of Russia's weariness during war (× (1 − external support))",
    )
    weariness_weight: float = param(
        1.0, "assumption: weariness raises acceptance one for one in logit units", lo=0, hi=50,
        doc="acceptance logit per unit of weariness",
    )
    external_support: float = param(
        0.5, "Q19", lo=0, hi=1,
        doc="China/North Korea support: slows weariness and adds momentum",
    )


@dataclass
class UkraineConfig:
    """Ukraine's stances: guarantees first, referendum under martial law."""

    referendum_required: bool = param(True, "Q27", doc="settlement on territory needs a referendum")
    martial_law_lift_weeks: int = param(
        26, "Q27; assumption: martial law lifts after a ceasefire has held half a year",
        lo=0, hi=5200, doc="weeks of ceasefire before martial law lifts",
    )
    referendum_weeks: int = param(
        12, "Q27; assumption: three months to organise a referendum once martial law lifts",
        lo=0, hi=5200, doc="weeks from the lifting of martial law to the referendum",
    )
    accept_intercept: float = param(
        -1.0, "Q04, Q05, Q14", lo=-50, hi=50,
        target="P(ceasefire within 104 weeks) in [0.4, 0.65] (Q28, Q29)",
        doc="logit of Ukraine's acceptance in a round of talks",
    )
    credibility_weight: float = param(
        2.5, "Q04, Q05; assumption", lo=0, hi=50,
        doc="acceptance logit per unit of guarantee credibility",
    )
    credibility_scale: float = param(
        10000.0, "Q04 ('thousands of foreign troops'); assumption", lo=1, hi=1e6,
        doc="troops at which pledged credibility reaches 63% of its maximum",
    )
    credibility_floor: float = param(
        0.4, "Q06, Q07; assumption: without US backing a European force is 40% as credible",
        lo=0, hi=1, doc="credibility of the pledge with no expected US backing",
    )
    distrust: float = param(
        1.0, "Q14", lo=0, hi=50, doc="acceptance logit lost to distrust of Russian sincerity"
    )
    weariness_rate: float = param(
        0.02, "Q26; assumption", lo=0, hi=10, doc="weekly growth of Ukraine's weariness in war"
    )
    weariness_weight: float = param(
        1.0, "assumption", lo=0, hi=50, doc="acceptance logit per unit of weariness"
    )


@dataclass
class CoalitionConfig:
    """The coalition of the willing: size, resolve and cohesion under fire."""

    members: int = param(26, "Q02", lo=0, hi=MAX_MEMBERS, doc="members (UK, France, Germany first)")
    uk_resolve: float = param(
        0.95, "Q23 ('unbreakable pledge')", lo=0, hi=1, doc="initial resolve of the UK"
    )
    france_resolve: float = param(
        0.85, "Q02; assumption: France co-leads with high resolve", lo=0, hi=1,
        doc="initial resolve of France",
    )
    resolve_low: float = param(
        0.35, "assumption: generic members' resolve is uniform on [0.35, 0.9]", lo=0, hi=1,
        doc="lowest initial resolve of a generic member (and Germany)",
    )
    resolve_high: float = param(
        0.9, "assumption: see resolve_low", lo=0, hi=1, doc="highest initial resolve"
    )
    threshold: float = param(
        0.3, "assumption: a member withdraws when resolve falls below 0.3", lo=0, hi=1,
        doc="resolve below which a member withdraws",
    )
    strike_shock: float = param(
        0.2, "Q23; assumption", lo=0, hi=1, doc="mean resolve lost per strike on the force"
    )
    us_cushion: float = param(
        0.5, "Q23 ('backed by Washington'); assumption: US backing halves the resolve shock",
        lo=0, hi=1, doc="share of the shock absorbed by full US backing",
    )
    respect_russian_veto: bool = param(
        False, "Q20", doc="if true the coalition never deploys (Russia objects to any force, Q09)"
    )
    germany_condition: str = param(
        "ceasefire_holds", "Q24", choices=GERMANY_CONDITIONS,
        doc="Germany deploys once a ceasefire holds, or only after a settlement",
    )
    germany_hold_weeks: int = param(
        12, "Q24; assumption: same test of 'holding' as deployment.hold_weeks", lo=0, hi=5200,
        doc="weeks a ceasefire must hold before Germany deploys",
    )


@dataclass
class TalksConfig:
    """Talks: how often rounds happen and how many are lost to the Moscow venue."""

    base_prob: float = param(
        0.25, "Q11; assumption: a round of talks about one week in four", lo=0, hi=1,
        doc="weekly probability of a round of talks without mediation",
    )
    moscow_share: float = param(
        0.2, "Q13, Q14; assumption: one proposed round in five is in Moscow and refused",
        lo=0, hi=1, doc="share of rounds lost because Ukraine refuses a Moscow venue",
    )


@dataclass
class CeasefireConfig:
    """Ceasefire dynamics: collapse hazard, violations, settlement."""

    hazard_initial: float = param(
        0.03,
        "cite: Fortna 2004 (Peace Time), Walter 2002: collapse risk is highest right after a "
        "ceasefire",
        lo=0, hi=1, target="collapse hazard falls with time (Weibull shape < 1)",
        doc="weekly collapse hazard in the first week of a ceasefire",
    )
    hazard_floor: float = param(
        0.002, "cite: Fortna 2004 (most failures come early); assumption: long-run weekly hazard",
        lo=0, hi=1,
        target="assumption: about 40% of undeterred ceasefires collapse within two years",
        doc="weekly collapse hazard long after the ceasefire began",
    )
    hazard_decay_weeks: float = param(
        12.0, "cite: Fortna 2004; assumption: early risk fades over about three months",
        lo=0.1, hi=5200, doc="time constant of the fall from initial to floor hazard",
    )
    force_deterrence: float = param(
        0.65,
        "Q03 ('deter any new major aggression'); cite: Fortna 2004/2008, peacekeeping lowers "
        "the hazard of renewed war by roughly half to three quarters",
        lo=0, hi=1, target="hazard ratio ≈ 0.35 with a full, US-backed force (Fortna)",
        doc="largest proportional cut in the collapse hazard from a deployed force",
    )
    us_deterrence_share: float = param(
        0.5, "Q06, Q07; assumption: half the force's deterrence rests on US backing",
        lo=0, hi=1, doc="share of the force's deterrence that needs US backing",
    )
    force_full_troops: float = param(
        10000.0, "Q04; assumption: 10,000 deployed troops is a fully credible force",
        lo=1, hi=1e6, doc="deployed troops at which the force deters fully",
    )
    threat_hazard: float = param(
        0.1, "Q09, Q10; assumption: hostility to the force raises the collapse hazard",
        lo=0, hi=10, doc="proportional hazard increase per unit of threat above its base",
    )
    violation_rate: float = param(
        3.0, "cite: Fortna 2004: violations are common even in ceasefires that hold; assumption",
        lo=0, hi=1000, target="violations common but not collapse", doc="mean violations a week",
    )
    violation_hazard: float = param(
        0.02, "assumption: each violation this week raises the hazard by 2%", lo=0, hi=10,
        doc="proportional hazard increase per violation this week",
    )
    settle_prob: float = param(
        0.04, "Q11, Q12; assumption: terms are agreed about one week in 25 once possible",
        lo=0, hi=1, doc="weekly probability of a settlement once its conditions hold",
    )
    weariness_decay: float = param(
        0.02, "assumption: weariness eases slowly during a ceasefire", lo=0, hi=10,
        doc="weekly fall in weariness during a ceasefire",
    )
    strategic_feedbacks: bool = param(
        True, "run setting: switch off for closed-form verification",
        doc="if false the collapse hazard depends on time since the ceasefire only",
    )


@dataclass
class BattlefieldConfig:
    """Territory and momentum while the war goes on."""

    initial_territory: float = param(
        0.195,
        "Q25; cite: DeepStateMap and ISW 2025 estimates of about 19–20% of Ukraine Russian-held",
        lo=0, hi=1, doc="Russian-held share of Ukraine at week 0",
    )
    momentum_base: float = param(
        1.0,
        "Q18; cite: about 5,000–6,000 km² a year of Russian gains in 2024–2025 (DeepStateMap, "
        "ISW), ≈1 pp of 603,550 km²",
        lo=-100, hi=100, target="territory grows ≈1 pp a year in war (DESIGN §3)",
        doc="mean momentum in pp of territory a year before support and aid",
    )
    external_effect: float = param(
        0.5, "Q19; assumption", lo=0, hi=100, doc="momentum added per unit of external support"
    )
    western_aid: float = param(
        0.5, "assumption: Western aid continues at its 2025 level (index 0–1)", lo=0, hi=1,
        doc="Western military aid to Ukraine",
    )
    aid_effect: float = param(
        0.5, "assumption: aid at full level offsets as much momentum as full external support",
        lo=0, hi=100, doc="momentum removed per unit of Western aid",
    )
    momentum_persistence: float = param(
        0.9, "assumption: momentum is persistent week to week", lo=0, hi=0.999,
        doc="AR(1) coefficient of momentum",
    )
    momentum_sd: float = param(
        0.5, "assumption", lo=0, hi=100, doc="weekly momentum shock sd (pp/yr)"
    )
    territory_noise: float = param(
        0.0005, "assumption: weekly front-line noise of 0.05 pp", lo=0, hi=0.1,
        doc="weekly sd of territorial change beyond momentum",
    )


@dataclass
class Config:
    """The whole composed configuration."""

    name: str = param("article_baseline", "scenario name", doc="scenario preset")
    sim: SimConfig = field(default_factory=SimConfig)
    deployment: DeploymentConfig = field(default_factory=DeploymentConfig)
    us: UsConfig = field(default_factory=UsConfig)
    russia: RussiaConfig = field(default_factory=RussiaConfig)
    ukraine: UkraineConfig = field(default_factory=UkraineConfig)
    coalition: CoalitionConfig = field(default_factory=CoalitionConfig)
    talks: TalksConfig = field(default_factory=TalksConfig)
    ceasefire: CeasefireConfig = field(default_factory=CeasefireConfig)
    battlefield: BattlefieldConfig = field(default_factory=BattlefieldConfig)


MODEL_GROUPS = (
    "deployment", "us", "russia", "ukraine", "coalition", "talks", "ceasefire", "battlefield",
)


def iter_params(cfg: Config | None = None) -> Iterator[tuple[str, dataclasses.Field, Any]]:
    """Yield ``(dotted_key, field, value)`` for every leaf parameter.

    Args:
        cfg: A config instance; defaults to the schema defaults.
    """
    cfg = cfg if cfg is not None else Config()
    for top in dataclasses.fields(cfg):
        value = getattr(cfg, top.name)
        if dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                yield f"{top.name}.{f.name}", f, getattr(value, f.name)
        else:
            yield top.name, top, value


def check_value(key: str, f: dataclasses.Field, value: Any) -> None:
    """Check one value against its field's type, range and choices.

    Raises:
        ConfigError: naming the key, the value and what is allowed.
    """
    meta = f.metadata
    expected = f.type if isinstance(f.type, str) else f.type.__name__
    if expected == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{key}={value!r}: expected true or false")
        return
    if expected == "str":
        if not isinstance(value, str):
            raise ConfigError(f"{key}={value!r}: expected a string")
        if meta.get("choices") and value not in meta["choices"]:
            allowed = ", ".join(meta["choices"])
            raise ConfigError(f"{key}={value!r} is not allowed: choose one of {allowed}")
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{key}={value!r}: expected a number ({expected})")
    if expected == "int" and not float(value).is_integer():
        raise ConfigError(f"{key}={value!r}: expected a whole number")
    if not math.isfinite(value):
        raise ConfigError(f"{key}={value!r}: expected a finite number")
    lo, hi = meta.get("lo"), meta.get("hi")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{key}={value!r} is out of range: allowed {_fmt_range(key, lo, hi)}")


def _fmt_range(key: str, lo: float | None, hi: float | None) -> str:
    if key == "sim.n_jobs":
        return "-1 (all cores) or 1 to 1024"
    def fmt(v: float) -> str:
        return f"{int(v):,}" if float(v).is_integer() else f"{v:g}"

    lo_s = "-∞" if lo is None else fmt(lo)
    hi_s = "∞" if hi is None else fmt(hi)
    return f"[{lo_s}, {hi_s}]"


def validate(cfg: Config) -> Config:
    """Check every value's type and range; return the config unchanged if valid.

    Raises:
        ConfigError: naming the first offending key, its value and what is allowed.
    """
    for key, f, value in iter_params(cfg):
        check_value(key, f, value)
    if cfg.sim.n_jobs == 0:
        raise ConfigError("sim.n_jobs=0 is out of range: allowed -1 (all cores) or 1 to 1024")
    shares = cfg.deployment.land_share + cfg.deployment.sea_share
    if shares > 1 + 1e-12:
        raise ConfigError(
            f"deployment.land_share + deployment.sea_share = {shares:g}: must be at most 1 "
            "(the rest is air)"
        )
    if cfg.coalition.resolve_low > cfg.coalition.resolve_high:
        raise ConfigError(
            f"coalition.resolve_low={cfg.coalition.resolve_low!r} exceeds "
            f"coalition.resolve_high={cfg.coalition.resolve_high!r}: low must be ≤ high"
        )
    return cfg


def from_mapping(data: Mapping[str, Any]) -> Config:
    """Build and validate a :class:`Config` from a nested mapping (e.g. a Hydra DictConfig).

    Unknown keys are errors; missing keys take their defaults.

    Raises:
        ConfigError: on an unknown key or an invalid value.
    """
    cfg = Config()
    for key, value in data.items():
        if key == "hydra":
            continue
        if not hasattr(cfg, key):
            raise ConfigError(f"unknown key {key!r}: allowed {', '.join(_top_keys())}")
        current = getattr(cfg, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{key}={value!r}: expected a group of settings")
            names = {f.name for f in dataclasses.fields(current)}
            for sub, subvalue in value.items():
                if sub not in names:
                    raise ConfigError(
                        f"unknown key {key}.{sub}: allowed {', '.join(sorted(names))}"
                    )
                setattr(current, sub, subvalue)
        else:
            setattr(cfg, key, value)
    return validate(cfg)


def _top_keys() -> list[str]:
    return [f.name for f in dataclasses.fields(Config)]


def to_dict(cfg: Config) -> dict[str, Any]:
    """The config as a plain nested dict."""
    return dataclasses.asdict(cfg)


def flat_model_params(cfg: Config) -> dict[str, Any]:
    """The model parameters as flat keyword arguments ``group_field`` (for ``CeasefireModel``)."""
    return {
        key.replace(".", "_"): value
        for key, _, value in iter_params(cfg)
        if key.split(".")[0] in MODEL_GROUPS
    }


def from_flat(weeks: int = 104, **kwargs: Any) -> Config:
    """Build a validated config from flat ``group_field`` keyword arguments.

    Raises:
        ConfigError: on an unknown keyword or an invalid value.
    """
    cfg = Config()
    cfg.sim.weeks = weeks
    lookup = {
        key.replace(".", "_"): key for key, _, _ in iter_params(cfg) if "." in key
    }
    for name, value in kwargs.items():
        if name not in lookup:
            raise ConfigError(f"unknown model parameter {name!r}")
        group, sub = lookup[name].split(".")
        setattr(getattr(cfg, group), sub, value)
    return validate(cfg)


def register_configs() -> None:
    """Register the schema with Hydra's ConfigStore as ``base_config``."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="base_config", node=Config)
