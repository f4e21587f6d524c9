"""Typed configuration schema, provenance and validation.

Every parameter that drives behaviour is a dataclass field here. Its metadata carries:

- ``kind``: one provenance class — ``quote`` (the value is read from the article's words),
  ``cited`` (from published research or public figures; ``source`` holds the citation),
  ``calibrated`` (set to hit a named target; ``source`` names the target), ``assumption``
  (``source`` gives a one-line reason), ``lever`` (a scenario choice; ``source`` says which quotes
  the default follows and which values are counterfactual) or ``run`` (a run setting, not part of
  the model);
- ``quotes``: the quote IDs the parameter relates to (context, whatever its class);
- ``lo``/``hi``/``choices``: what the schema accepts (validity limits, not plausible values);
- ``plausible``: the range of values the project considers plausible, used by the sensitivity
  designs and by the lever-liveness test (``tests/test_liveness.py``);
- ``liveness``: empty when moving the parameter across its plausible range must change a headline
  outcome; otherwise ``inert: <reason>`` or ``aliased: <key> (<reason>)``;
- ``applies``: the scenario preset (and any extra overrides) in which the parameter acts.

Hydra composes YAML files in ``conf/`` on top of these defaults; every number a YAML file sets
carries its own provenance comment (checked by ``tests/test_config.py``). Validation runs before any
simulation: :func:`validate` raises :class:`ConfigError` naming the key, the value given and what is
allowed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

TIMINGS = ("never", "commit_now", "immediate", "after_ceasefire_holds", "after_settlement")
US_ROLES = ("none", "intelligence", "air_support", "ground")
POSTURES = ("rear", "tripwire")
ENGINES = ("batched", "mesa")
GERMANY_CONDITIONS = ("ceasefire", "ceasefire_holds", "settlement")
RECOGNITION = ("line_of_contact", "russia_claim")
PROGRESS = ("auto", "on", "off")
TASKS = ("run", "dilemma_map")
KINDS = ("quote", "cited", "calibrated", "assumption", "lever", "run")
MAX_MEMBERS = 26  # Q02: "26 countries had formally committed"


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong type or outside its allowed range."""


def param(
    default: Any,
    kind: str,
    source: str,
    *,
    quotes: tuple[str, ...] = (),
    lo: float | None = None,
    hi: float | None = None,
    choices: tuple[str, ...] | None = None,
    plausible: tuple[float, float] | None = None,
    liveness: str = "",
    applies: str = "article_baseline",
    setup: tuple[str, ...] = (),
    doc: str = "",
) -> Any:
    """A dataclass field carrying its provenance, validity limits and plausible range.

    Args:
        default: Default value.
        kind: Provenance class, one of :data:`KINDS`.
        source: For ``quote``: the quote IDs; ``cited``: the citation; ``calibrated``: the target;
            ``assumption``: the reason; ``lever``: which values follow or bend the article.
        quotes: Related quote IDs (context).
        lo: Inclusive lower validity limit for numbers.
        hi: Inclusive upper validity limit for numbers.
        choices: Allowed strings.
        plausible: Plausible range (numbers) used by designs and the liveness test.
        liveness: ``""`` (must be live), ``"inert: ..."`` or ``"aliased: <key> (...)"``.
        applies: Scenario preset in which the parameter acts.
        setup: Extra overrides needed for the parameter to act (e.g. a lever value).
        doc: One-line meaning, shown in the rulebook.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown provenance class {kind!r}")
    meta = {"kind": kind, "source": source, "quotes": quotes, "lo": lo, "hi": hi,
            "choices": choices, "plausible": plausible, "liveness": liveness,
            "applies": applies, "setup": setup, "doc": doc}
    return field(default=default, metadata=meta)


def _run(default: Any, doc: str, **kw: Any) -> Any:
    return param(default, "run", "run setting: not a model assumption", doc=doc, **kw)


@dataclass
class SimConfig:
    """Run settings: horizon, replications, seed, engine and parallelism."""

    weeks: int = _run(104, "horizon in weeks (two years)", lo=1, hi=5200)
    replications: int = _run(1000, "independent replications", lo=1, hi=10_000_000)
    seed: int = _run(20250904, "base seed of the common random numbers", lo=0, hi=2**63 - 1)
    engine: str = _run("batched", "batched (numpy, fast) or mesa (agent objects); identical "
                       "results", choices=ENGINES)
    n_jobs: int = _run(1, "worker processes; -1 = all cores", lo=-1, hi=1024)
    chunk_size: int = _run(20000, "replications per batched chunk", lo=1, hi=1_000_000)
    progress: str = _run("auto", "progress bar", choices=PROGRESS)
    figures: bool = _run(True, "draw the per-run PNG figures (switch off for large sweeps)")
    task: str = _run("run", "what the job does: run the scenario, or draw its dilemma map "
                     "(+experiment=dilemma)", choices=TASKS)
    start_in_ceasefire: bool = _run(
        False, "controlled spell experiments: every replication starts in a ceasefire agreed at "
        "week 0 (calibration and validation only)")


@dataclass
class TermsConfig:
    """The settlement terms on the table once martial law has lifted: territory and the force."""

    recognise: str = param(
        "line_of_contact", "lever",
        "assumption: the article names no terms; the line of contact is the least any settlement "
        "recognises; 'russia_claim' (the four regions and Crimea in full) is Russia's demand "
        "(Q12, Q25)", quotes=("Q12", "Q25", "Q27"), choices=RECOGNITION,
        doc="territory Ukraine would recognise de jure: the line held, or Russia's whole claim",
    )
    force_stays: bool = param(
        True, "lever",
        "Q02, Q34: the guarantees are for after the war; false departs from the Paris plan "
        "towards Putin's 'no point in their presence' (Q30)", quotes=("Q02", "Q30", "Q34"),
        applies="russia_soft_line",
        doc="whether the foreign force stays after a settlement",
    )


@dataclass
class DeploymentConfig:
    """When and how the coalition's reassurance force deploys."""

    timing: str = param(
        "immediate", "lever",
        "Q01, Q02, Q24: the Paris plan deploys once hostilities end, which is also Merz's "
        "'ceasefire first'; 'commit_now' follows the diplomats' warning (Q22); "
        "'after_settlement' is a counterfactual stricter than any quote",
        quotes=("Q01", "Q02", "Q22", "Q24"), choices=TIMINGS,
        doc="when the force deploys",
    )
    troops_total: float = param(
        20000.0, "cited",
        "press reports in 2025 of a 10,000–30,000-strong reassurance force (midpoint); the "
        "article says only 'thousands' (Q04)", quotes=("Q04",), lo=0, hi=200_000,
        plausible=(10000.0, 30000.0), doc="troops pledged across the coalition",
    )
    posture: str = param(
        "rear", "lever", "Q03 ('would not operate on the front lines'); 'tripwire' is a "
        "counterfactual", quotes=("Q03",), choices=POSTURES,
        doc="'rear' (off the front line) or the counterfactual front-line 'tripwire'",
    )
    hold_weeks: int = param(
        12, "assumption", "a quarter of a year counts as a ceasefire that holds",
        quotes=("Q24",), lo=0, hi=5200, plausible=(4, 26),
        applies="article_baseline", setup=("deployment.timing=after_ceasefire_holds",),
        doc="weeks a ceasefire must hold before 'after_ceasefire_holds' deploys",
    )
    land_share: float = param(
        0.6, "assumption", "a land-heavy mix for a ground reassurance force", quotes=("Q02",),
        lo=0, hi=1, plausible=(0.4, 0.8), doc="share of each pledge that is land forces",
    )
    sea_share: float = param(
        0.2, "assumption", "a Black Sea demining and escort role", quotes=("Q02",),
        lo=0, hi=1, plausible=(0.1, 0.3), doc="share of each pledge that is naval (the rest is air)",
    )
    exposure_sea: float = param(
        0.4, "assumption", "ships are less exposed to strikes than land forces (land = 1)",
        quotes=("Q01",), lo=0, hi=10, plausible=(0.1, 1.0),
        doc="strike exposure of a sailor relative to a soldier on land",
    )
    exposure_air: float = param(
        0.2, "assumption", "air units partly based outside Ukraine are least exposed",
        quotes=("Q01",), lo=0, hi=10, plausible=(0.0, 0.6),
        doc="strike exposure of an airman relative to a soldier on land",
    )
    tripwire_multiplier: float = param(
        3.0, "assumption", "a front-line posture triples exposure", quotes=("Q03",),
        lo=1, hi=100, plausible=(2.0, 5.0), setup=("deployment.posture=tripwire",),
        doc="exposure multiplier under the counterfactual 'tripwire' posture",
    )
    lead_share: float = param(
        0.5, "assumption", "the UK and France lead with half the force between them",
        quotes=("Q23",), lo=0, hi=1, plausible=(0.3, 0.7), applies="coalition_shrinks",
        setup=("sim.weeks=208",),
        doc="share of the total pledged by the UK and France together",
    )
    germany_share: float = param(
        0.15, "assumption", "Germany would bring a material share, as Europe's largest economy",
        quotes=("Q24",), lo=0, hi=1, plausible=(0.05, 0.25),
        setup=("coalition.germany_condition=settlement",),
        doc="share of the total pledged by Germany",
    )
    pledge_spread: float = param(
        0.5, "assumption", "generic pledges vary ±50% around their mean", lo=0, hi=1,
        plausible=(0.0, 1.0),
        liveness="inert: it only redistributes troops among the generic members, whose "
        "deployment, exposure and withdrawal follow the same rules, so the totals barely move",
        doc="generic member pledge ~ mean × U(1 − spread, 1 + spread)",
    )


@dataclass
class UsConfig:
    """The United States: the form of its backing and its mediation."""

    role: str = param(
        "air_support", "lever",
        "Q06, Q07: air support 'probably'; 'ground' is a counterfactual the US ruled out (Q21)",
        quotes=("Q06", "Q07", "Q21", "Q23"), choices=US_ROLES, doc="the US role in the guarantee",
    )
    air_support_prob: float = param(
        0.75, "cited",
        "Kent (1964), 'Words of Estimative Probability': 'probable' ≈ 75% ± 12%; read as the "
        "chance that the backing takes the form of air support (Q07), otherwise intelligence",
        quotes=("Q07",), lo=0, hi=1, plausible=(0.63, 0.87),
        doc="chance that an 'air_support' role comes as air support (else as intelligence)",
    )
    strength_intelligence: float = param(
        0.25, "assumption", "intelligence sharing backs the force far less than air cover",
        lo=0, hi=5, plausible=(0.1, 0.5), setup=("us.role=intelligence",),
        doc="strength of an intelligence-only role (air support = 1)",
    )
    strength_air_support: float = param(
        1.0, "assumption", "air support is the reference strength", quotes=("Q07",),
        lo=0, hi=5, plausible=(0.5, 1.5), doc="strength of air support",
    )
    strength_ground: float = param(
        1.5, "assumption", "counterfactual US ground troops back the force more than air cover",
        quotes=("Q21",), lo=0, hi=5, plausible=(1.0, 3.0), setup=("us.role=ground",),
        doc="strength of US ground forces (counterfactual)",
    )
    mediation_boost: float = param(
        0.15, "assumption", "the Alaska summit lifted the weekly chance of talks by 0.15",
        quotes=("Q15", "Q16"), lo=0, hi=1, plausible=(0.0, 0.3),
        doc="extra weekly talk probability from US mediation on the day of the summit",
    )
    mediation_half_life_weeks: float = param(
        8.0, "assumption", "'briefly raised hopes' (Q15): the effect halves every two months",
        quotes=("Q15",), lo=0.1, hi=5200, plausible=(4.0, 16.0),
        doc="half-life of the mediation effect",
    )
    weeks_since_summit: float = param(
        3.0, "cited",
        "the Alaska summit was on 15 August 2025 and the Paris summit on 4 September 2025",
        quotes=("Q15",), lo=0, hi=5200, plausible=(2.0, 6.0),
        doc="weeks between the summit and week 0 (the mediation effect starts partly faded)",
    )


@dataclass
class RussiaConfig:
    """Russia's stances: resistance to the force, its claim, acceptance, red line."""

    force_consent: bool = param(
        False, "lever",
        "Q01, Q31, Q33: Russia rejects the force; true is the counterfactual consented force "
        "(no resistance, no threat, no strikes), the kind of force Fortna's cases had",
        quotes=("Q01", "Q31", "Q33"), doc="whether Russia consents to the force",
    )
    force_aversion: float = param(
        1.0, "assumption",
        "how much a planned or present force lowers Russia's acceptance (logit); no evidence "
        "pins it: the dilemma map varies it", quotes=("Q01", "Q09", "Q31", "Q33"),
        lo=0, hi=50, plausible=(0.0, 3.0),
        doc="acceptance logit lost when a force is planned (ceasefire) or in the terms",
    )
    immediate_extra: float = param(
        0.5, "assumption", "a force 'immediately after any ceasefire' (Q01) is resisted most",
        quotes=("Q01",), lo=0, hi=50, plausible=(0.0, 1.5),
        doc="extra acceptance logit lost when the force would arrive right after the ceasefire",
    )
    gap_weight: float = param(
        0.3, "assumption", "Russia holds out for the part of its claim it does not hold",
        quotes=("Q12", "Q25"), lo=0, hi=50, plausible=(0.1, 0.6),
        doc="acceptance logit lost per percentage point of claim left unrecognised",
    )
    threat_per_10k: float = param(
        0.5, "assumption", "any deployment threatens Russia, whatever the flag (Q09)",
        quotes=("Q09", "Q10"), lo=0, hi=100, plausible=(0.2, 1.0),
        doc="threat perception per 10,000 troops deployed",
    )
    narrative_boost: float = param(
        0.5, "assumption", "naming units before a ceasefire feeds the escalation narrative (Q22)",
        quotes=("Q22",), lo=0, hi=100, plausible=(0.0, 1.0), applies="commit_now",
        doc="threat perception while units are named and not yet deployed",
    )
    threat_weight: float = param(
        0.8, "assumption", "a threatened Russia is less willing to agree to a ceasefire",
        quotes=("Q09",), lo=0, hi=50, plausible=(0.3, 1.5), applies="commit_now",
        doc="ceasefire-acceptance logit lost per unit of threat perception",
    )
    strike_propensity: float = param(
        0.004, "assumption",
        "'legitimate targets' (Q01) made real at a low rate: about one ceasefire year in ten "
        "sees a strike on the default force", quotes=("Q01",), lo=0, hi=1, plausible=(0.0, 0.012),
        doc="weekly strike probability per 10,000 exposed troops without deterrence",
    )
    settlement_hostility: float = param(
        0.25, "assumption",
        "the article is silent on strikes after a settlement; Putin calls the force pointless "
        "once there is peace (Q08, Q30), so a quarter of the ceasefire rate",
        quotes=("Q08", "Q30"), lo=0, hi=1, plausible=(0.0, 0.5),
        doc="strike propensity multiplier after a settlement",
    )
    escalation_prob: float = param(
        0.15, "assumption", "one strike in seven turns into a direct clash",
        quotes=("Q01", "Q10"), lo=0, hi=1, plausible=(0.05, 0.3),
        doc="probability that a strike on the force escalates into a direct clash",
    )
    deterrence_us: float = param(
        0.5, "assumption", "US backing makes strikes on the force rarer", quotes=("Q07", "Q23"),
        lo=0, hi=10, plausible=(0.2, 1.0),
        doc="log-reduction of the strike rate per unit of US strength",
    )
    deterrence_flags: float = param(
        0.3, "assumption", "more flags in the force make strikes on it rarer", quotes=("Q02",),
        lo=0, hi=10, plausible=(0.1, 0.6),
        doc="log-reduction of the strike rate with all 26 flags deployed",
    )
    accept_intercept: float = param(
        -1.5, "calibrated",
        "article_baseline: P(first ceasefire within 13 weeks) ≤ 0.15 (Q29 'slim') and within "
        "104 weeks in [0.2, 0.8] (Q28 'light at the end of the tunnel')", quotes=("Q28", "Q29", "Q32"),
        lo=-50, hi=50, plausible=(-2.9, -0.9),
        doc="logit of Russia's acceptance of a ceasefire in a round of talks",
    )
    terms_intercept: float = param(
        0.0, "assumption",
        "Russia's logit of accepting terms that recognise its whole claim with no force; "
        "'impossible positions' (Q12) means much lower for less", quotes=("Q12", "Q28"),
        lo=-50, hi=50, plausible=(-1.0, 1.0),
        doc="logit of Russia's acceptance of terms before gap, force and referendum risk",
    )
    referendum_discount: float = param(
        1.0, "assumption",
        "two-level bargaining (Putnam 1988): terms that voters may reject are worth less; Putin "
        "cites the referendum requirement against an imminent deal (Q27, Q28)",
        quotes=("Q27", "Q28"), lo=0, hi=50, plausible=(0.0, 2.0),
        doc="terms-acceptance logit lost per unit of referendum failure risk",
    )
    mediation_weight: float = param(
        4.0, "assumption", "US mediation is trusted in Moscow (Q16)", quotes=("Q15", "Q16"),
        lo=0, hi=50, plausible=(2.0, 6.0),
        doc="acceptance logit gained per unit of the mediation effect",
    )
    stalling: float = param(
        0.5, "assumption",
        "'stalling for time while continuing to push' is a Western suspicion (Q18): its weight "
        "is an assumption", quotes=("Q18",), lo=0, hi=50, plausible=(0.0, 1.0),
        doc="ceasefire-acceptance logit lost per pp/yr of momentum in Russia's favour",
    )
    weariness_initial: float = param(
        0.8, "assumption", "three and a half years in (Q26), weariness is near its plateau",
        quotes=("Q26",), lo=0, hi=1, plausible=(0.6, 0.95),
        doc="Russia's war weariness at week 0 (0–1)",
    )
    weariness_rate: float = param(
        0.01, "assumption", "weariness creeps towards its plateau", quotes=("Q26",),
        lo=0, hi=1, plausible=(0.0, 0.03),
        doc="weekly share of the distance to the plateau added in war (× (1 − support))",
    )
    weariness_weight: float = param(
        1.0, "assumption", "weariness raises acceptance one for one in logit units",
        lo=0, hi=50, plausible=(0.5, 2.0), doc="acceptance logit per unit of weariness",
    )
    external_support: float = param(
        0.5, "assumption", "China and North Korea's backing (Q19); its size is not known",
        quotes=("Q19",), lo=0, hi=1, plausible=(0.25, 0.75),
        doc="external support: slows Russia's weariness and adds momentum",
    )


@dataclass
class UkraineConfig:
    """Ukraine's stances: the guarantee's credibility, the referendum under martial law."""

    referendum_required: bool = param(
        True, "lever", "Q27: the constitution requires a referendum on territorial changes; "
        "false is a counterfactual", quotes=("Q27",),
        doc="every settlement needs a referendum (none under martial law)",
    )
    martial_law_lift_weeks: int = param(
        26, "assumption", "martial law lifts once a ceasefire has held half a year",
        quotes=("Q27",), lo=0, hi=5200, plausible=(13, 52),
        doc="weeks of ceasefire before martial law lifts",
    )
    referendum_weeks: int = param(
        12, "assumption", "three months to organise a referendum once terms are agreed",
        quotes=("Q27",), lo=1, hi=5200, plausible=(6, 26),
        doc="weeks from Russia's acceptance of terms to the vote",
    )
    referendum_cooldown_weeks: int = param(
        26, "assumption", "after a failed vote, half a year before terms are offered again",
        quotes=("Q27",), lo=0, hi=5200, plausible=(13, 52), setup=("sim.weeks=208",),
        doc="weeks after a failed referendum before terms can be offered again",
    )
    referendum_intercept: float = param(
        -0.3, "assumption",
        "voters' logit for recognising the line held with no guarantee; 2025 polls found most "
        "Ukrainians against recognising occupied land as Russian", quotes=("Q27",),
        lo=-50, hi=50, plausible=(-1.3, 0.7),
        doc="logit that voters pass terms recognising the line held, with no guarantee",
    )
    referendum_per_pp: float = param(
        0.3, "assumption", "each percentage point ceded beyond the line held costs votes",
        quotes=("Q27",), lo=0, hi=50, plausible=(0.1, 0.6),
        setup=("terms.recognise=russia_claim",),
        doc="pass logit lost per percentage point of land ceded beyond the line held",
    )
    accept_intercept: float = param(
        -0.6, "calibrated",
        "article_baseline: P(first ceasefire within 104 weeks) in [0.2, 0.8] (Q28, Q29), "
        "jointly with Russia's",
        quotes=("Q28", "Q29", "Q32"), lo=-50, hi=50, plausible=(-1.6, 0.4),
        doc="logit of Ukraine's acceptance of a ceasefire in a round of talks",
    )
    guarantee_weight: float = param(
        2.0, "assumption",
        "how much the guarantee weighs for Ukraine and its voters (logit per unit of "
        "credibility); Walter (2002): guarantees make agreements acceptable; no evidence pins "
        "the size: the dilemma map varies it", quotes=("Q04", "Q23", "Q34"),
        lo=0, hi=50, plausible=(0.5, 4.0),
        doc="acceptance and pass logit per unit of guarantee credibility",
    )
    credibility_scale: float = param(
        10000.0, "assumption", "'thousands of foreign troops' (Q04): 10,000 pledged gives 63%",
        quotes=("Q04",), lo=1, hi=1e6, plausible=(5000.0, 20000.0),
        doc="troops pledged at which credibility from size reaches 63% of its maximum",
    )
    credibility_us_floor: float = param(
        0.4, "assumption", "without US backing a European force is 40% as credible",
        quotes=("Q06", "Q23"), lo=0, hi=1, plausible=(0.2, 0.6),
        doc="credibility of the pledge with no expected US backing (share of full)",
    )
    credibility_delay_weeks: float = param(
        26.0, "assumption",
        "Walter (2002): risk is highest during implementation, so a force that arrives later "
        "protects less; credibility falls by 63% per half-year of expected delay",
        lo=0.1, hi=5200, plausible=(13.0, 52.0), applies="deploy_after_settlement",
        doc="time constant of the fall in credibility with the force's expected delay",
    )
    details_factor: float = param(
        0.8, "assumption", "'too early to provide details' (Q05): until units are named the "
        "pledge is worth 80%", quotes=("Q05",), lo=0, hi=1, plausible=(0.6, 1.0),
        doc="credibility factor while the force's units are not yet named",
    )
    veto_credibility: float = param(
        0.3, "assumption", "a guarantee that deploys only with Moscow's consent is worth little",
        quotes=("Q20",), lo=0, hi=1, plausible=(0.0, 0.6), applies="veto_respected",
        doc="credibility factor when the coalition respects a Russian veto",
    )
    without_force_credibility: float = param(
        0.3, "assumption",
        "guarantees with no troops staying after a settlement are worth less to voters",
        quotes=("Q04", "Q34"), lo=0, hi=1, plausible=(0.0, 0.6),
        applies="terms_force_leaves",
        doc="credibility factor for voters when the terms send the force home",
    )
    weariness_initial: float = param(
        0.8, "assumption", "three and a half years in (Q26), weariness is near its plateau",
        quotes=("Q26",), lo=0, hi=1, plausible=(0.6, 0.95),
        doc="Ukraine's war weariness at week 0 (0–1)",
    )
    weariness_rate: float = param(
        0.01, "assumption", "weariness creeps towards its plateau", quotes=("Q26",),
        lo=0, hi=1, plausible=(0.0, 0.03),
        doc="weekly share of the distance to the plateau added in war",
    )
    weariness_weight: float = param(
        1.0, "assumption", "weariness raises acceptance one for one in logit units",
        lo=0, hi=50, plausible=(0.5, 2.0), doc="acceptance logit per unit of weariness",
    )


@dataclass
class CoalitionConfig:
    """The coalition of the willing: size, resolve and cohesion."""

    members: int = param(26, "quote", "Q02", quotes=("Q02",), lo=0, hi=MAX_MEMBERS,
                         plausible=(2, 26), doc="members (UK, France, Germany first)")
    uk_resolve: float = param(
        0.95, "assumption", "the UK's specific resolve; Q23 is the allies' pledge as a whole",
        quotes=("Q23",), lo=0, hi=1, plausible=(0.8, 1.0),
        liveness="inert: above the withdrawal threshold by more than strikes and erosion remove "
        "in the horizon", doc="initial resolve of the UK",
    )
    france_resolve: float = param(
        0.85, "assumption", "France co-leads with high resolve", quotes=("Q02",), lo=0, hi=1,
        plausible=(0.7, 1.0),
        liveness="inert: as uk_resolve, France stays in across its plausible range",
        doc="initial resolve of France",
    )
    resolve_low: float = param(
        0.35, "assumption", "generic members' resolve is uniform on [0.35, 0.9]", lo=0, hi=1,
        plausible=(0.3, 0.5), doc="lowest initial resolve of a generic member (and Germany)",
    )
    resolve_high: float = param(
        0.9, "assumption", "see resolve_low", lo=0, hi=1, plausible=(0.7, 1.0),
        liveness="inert: members near the top of the range never come close to the threshold "
        "within the horizon; only the low end of the range decides who leaves",
        doc="highest initial resolve",
    )
    threshold: float = param(
        0.3, "assumption", "a member withdraws when its resolve falls below 0.3", lo=0, hi=1,
        plausible=(0.0, 0.4), doc="resolve below which a member withdraws",
    )
    strike_shock: float = param(
        0.2, "assumption", "a strike on the force costs each member about 0.2 of resolve",
        quotes=("Q23",), lo=0, hi=1, plausible=(0.1, 0.4),
        liveness="inert: a strike ends the ceasefire and sends the force home, so the resolve it "
        "costs matters only if another ceasefire follows within the horizon; at plausible strike "
        "rates the effect is below detection at 4,000 replications",
        doc="mean resolve lost per strike on the force",
    )
    us_cushion: float = param(
        0.5, "assumption", "'backed by Washington' (Q23): US air support halves the shock",
        quotes=("Q23",), lo=0, hi=1, plausible=(0.0, 0.8),
        liveness="inert: it only scales coalition.strike_shock, inert for the same reason",
        doc="share of the strike shock absorbed per unit of US strength (at most all of it)",
    )
    erosion_per_year: float = param(
        0.15, "assumption", "the cost of staying deployed wears resolve down slowly",
        lo=0, hi=10, plausible=(0.05, 0.3), setup=("sim.weeks=208",),
        doc="resolve lost per year deployed",
    )
    respect_russian_veto: bool = param(
        False, "lever",
        "Q20 ('no veto'); true is the counterfactual in which the force deploys only with "
        "Russia's consent, which a firm Russia never gives", quotes=("Q20",),
        doc="the coalition deploys only with Russia's consent",
    )
    germany_condition: str = param(
        "ceasefire", "lever",
        "Q24 read literally: Germany deploys once a ceasefire is secured; 'ceasefire_holds' "
        "(after germany_hold_weeks) and 'settlement' are stricter readings",
        quotes=("Q24",), choices=GERMANY_CONDITIONS, doc="when Germany's share deploys",
    )
    germany_hold_weeks: int = param(
        26, "assumption", "a stricter Germany waits half a year of ceasefire", quotes=("Q24",),
        lo=0, hi=5200, plausible=(12, 52), setup=("coalition.germany_condition=ceasefire_holds",),
        doc="weeks a ceasefire must hold before Germany deploys under 'ceasefire_holds'",
    )


@dataclass
class TalksConfig:
    """Talks: how often rounds happen and how many are lost to the Moscow venue."""

    base_prob: float = param(
        0.25, "assumption", "open to dialogue (Q11): a round of talks about one week in four",
        quotes=("Q11",), lo=0, hi=1, plausible=(0.1, 0.4),
        doc="weekly probability of a round of talks without mediation",
    )
    moscow_share: float = param(
        0.2, "assumption", "one proposed round in five is set in Moscow, which Ukraine refuses",
        quotes=("Q13", "Q14"), lo=0, hi=1, plausible=(0.0, 0.4),
        liveness="aliased: talks.base_prob (both scale the weekly chance of a round held)",
        doc="share of rounds lost because Ukraine refuses a Moscow venue",
    )


@dataclass
class CeasefireConfig:
    """Collapse and breakdown: Russia's decision to renew the war; violations."""

    hazard_initial: float = param(
        0.01026, "calibrated",
        "the Kaplan–Meier survival without peacekeepers in Fortna's civil-war ceasefires "
        "(about 0.81/0.71/0.61/0.55 at 13/26/52/104 weeks), no_force preset",
        lo=0, hi=1, plausible=(0.005, 0.02), doc="weekly collapse hazard at the start of a ceasefire",
    )
    hazard_floor: float = param(
        0.0006388, "calibrated", "as hazard_initial", lo=0, hi=1, plausible=(0.0005, 0.003),
        doc="weekly collapse hazard long after the ceasefire began",
    )
    hazard_decay_weeks: float = param(
        24.18, "calibrated", "as hazard_initial", lo=0.1, hi=5200, plausible=(10.0, 40.0),
        doc="time constant of the fall from the initial to the floor hazard",
    )
    gap_hazard: float = param(
        0.1, "assumption",
        "Russia's gain from renewed war grows with the part of its claim it does not hold",
        quotes=("Q12", "Q25"), lo=0, hi=10, plausible=(0.0, 0.3),
        doc="log-hazard per percentage point of the unresolved claim",
    )
    momentum_hazard: float = param(
        0.2, "assumption", "momentum at the ceasefire makes renewed attack more tempting",
        quotes=("Q18",), lo=0, hi=10, plausible=(0.0, 0.5),
        doc="log-hazard per pp/yr of Russian momentum when the ceasefire began",
    )
    threat_hazard: float = param(
        0.2, "assumption", "a force Russia feels threatened by (Q09) raises the collapse hazard",
        quotes=("Q09",), lo=0, hi=10, plausible=(0.0, 0.5),
        doc="log-hazard per unit of Russia's threat perception",
    )
    violation_rate: float = param(
        3.0, "assumption",
        "violations are common even in ceasefires that hold (Fortna 2004); three a week is an "
        "assumption", lo=0, hi=1000, plausible=(1.0, 6.0),
        doc="mean ceasefire violations a week (Poisson)",
    )
    violation_hazard: float = param(
        0.1, "assumption", "each unmonitored violation this week raises the hazard by 10%",
        lo=0, hi=10, plausible=(0.03, 0.2),
        doc="proportional hazard increase per unmonitored violation this week",
    )
    failed_referendum_hazard: float = param(
        0.5, "assumption", "a failed vote leaves the gap open and hardens Moscow",
        quotes=("Q27",), lo=0, hi=10, plausible=(0.0, 1.0), setup=("sim.weeks=208",),
        doc="log-hazard added after a failed referendum while the gap stays unresolved",
    )
    settlement_factor: float = param(
        0.3, "assumption", "a signed settlement breaks down far less often than a ceasefire",
        lo=0, hi=1, plausible=(0.1, 0.6), setup=("sim.weeks=208",),
        doc="multiplier on the hazard once a settlement is signed",
    )
    weariness_decay: float = param(
        0.01, "assumption", "weariness eases slowly during a ceasefire", lo=0, hi=1,
        plausible=(0.0, 0.03), doc="weekly share of weariness lost during a ceasefire",
    )
    strategic_feedbacks: bool = param(
        True, "run", "run setting: switch off for closed-form verification",
        doc="if false the hazard depends on the time since the ceasefire only",
    )


@dataclass
class ForceConfig:
    """How the force deters 'any new major aggression' (Q03): its two mechanisms and one scale.

    The relative weights of the two mechanisms are fixed, as labelled assumptions, in
    ``conf/force/default.yaml`` before the scale ``kappa`` is fitted.
    """

    kappa: float = param(
        1.241, "calibrated",
        "controlled spells: a consented force's hazard ratio about 0.4–0.5 against no force "
        "(Fortna's peacekeeping effect)", quotes=("Q03",), lo=0, hi=20, plausible=(0.5, 2.0),
        doc="overall scale of the force's effect on Russia's collapse decision",
    )
    cost_weight: float = param(
        1.0, "assumption", "raising the cost of renewed attack is the main mechanism",
        quotes=("Q03",), lo=0, hi=20, plausible=(0.5, 1.5),
        doc="log-hazard cut per unit of deterrent presence (× kappa)",
    )
    monitoring_weight: float = param(
        1.0, "assumption", "air and ISR monitoring keeps incidents from spiralling",
        quotes=("Q02", "Q07"), lo=0, hi=20, plausible=(0.0, 2.0),
        doc="log-cut of the violations' effect per unit of monitoring (× kappa)",
    )
    troops_need: float = param(
        25000.0, "assumption", "presence reaches 63% of full at 25,000 troops, the upper end "
        "of the sizes floated in 2025", lo=1, hi=1e6, plausible=(15000.0, 40000.0),
        doc="troops at which the presence term reaches 63% of its maximum",
    )
    flag_weight: float = param(
        0.5, "assumption", "half of the presence effect comes from the number of flags",
        quotes=("Q02",), lo=0, hi=1, plausible=(0.2, 0.8),
        doc="share of presence scaled by the flags deployed (of 26)",
    )
    us_share: float = param(
        0.5, "assumption", "half the deterrent rests on US backing", quotes=("Q07", "Q23"),
        lo=0, hi=1, plausible=(0.25, 0.75), doc="share of the deterrent that scales with US strength",
    )
    air_need: float = param(
        5000.0, "assumption", "5,000 air personnel give 63% of full monitoring",
        quotes=("Q02",), lo=1, hi=1e6, plausible=(2000.0, 10000.0),
        doc="air troops at which the monitoring term reaches 63% of its maximum",
    )
    us_isr: float = param(
        1.0, "assumption", "US backing brings surveillance as well as force", quotes=("Q07",),
        lo=0, hi=20, plausible=(0.5, 2.0), doc="monitoring added per unit of US strength",
    )
    withdraw_on_collapse: bool = param(
        True, "lever",
        "Q02, Q03: the force is for after hostilities and would not wage war against Russia; "
        "false (the force stays through renewed war) is a counterfactual",
        quotes=("Q02", "Q03"), doc="the force withdraws when a ceasefire collapses into war",
    )


@dataclass
class BattlefieldConfig:
    """Territory, Russia's claim and momentum while the war goes on."""

    initial_territory: float = param(
        0.195, "cited",
        "DeepStateMap and ISW estimates in 2025: about 19–20% of Ukraine Russian-held (Q25)",
        quotes=("Q25",), lo=0, hi=1, plausible=(0.19, 0.22),
        doc="Russian-held share of Ukraine at week 0",
    )
    claim: float = param(
        0.2252, "cited",
        "Crimea ≈ 27,000 km², Donetsk ≈ 26,500, Luhansk ≈ 26,700, Zaporizhzhia ≈ 27,200, Kherson "
        "≈ 28,500 of Ukraine's ≈ 603,500 km² (official oblast areas)", quotes=("Q12", "Q25"),
        lo=0, hi=1, plausible=(0.215, 0.235),
        doc="Russia's claim: Crimea and the four annexed regions in full, as a share of Ukraine",
    )
    held_outside_claim: float = param(
        0.004, "assumption",
        "2025 maps show small Russian-held areas of Kharkiv, Sumy and Dnipropetrovsk oblasts "
        "(a few thousand km²); the exact size is an assumption", quotes=("Q25",),
        lo=0, hi=1, plausible=(0.0, 0.008),
        doc="part of the initial held share that lies outside the claim",
    )
    gains_in_claim: float = param(
        0.8, "assumption", "most of Russia's 2025 gains were in Donetsk oblast", lo=0, hi=1,
        plausible=(0.6, 1.0), doc="share of territorial change that falls inside the claim",
    )
    slowdown_gap: float = param(
        0.02, "assumption",
        "the last two points of the claim are fortified cities: the drift slows linearly below "
        "this gap, so the claim is approached but never simply taken", lo=1e-6, hi=1,
        plausible=(0.01, 0.04), doc="claim gap below which Russian advances slow",
    )
    momentum_base: float = param(
        0.75, "calibrated",
        "territory grows about 1 pp a year in war (5,000–6,000 km² a year in 2024–2025 by "
        "DeepStateMap and ISW)", quotes=("Q18",), lo=-100, hi=100, plausible=(0.25, 1.25),
        doc="mean momentum in pp of Ukraine a year, before external support",
    )
    external_effect: float = param(
        0.5, "assumption", "Asian allies' support adds momentum (Q19)", quotes=("Q19",),
        lo=0, hi=100, plausible=(0.0, 1.0),
        liveness="aliased: battlefield.momentum_base (both only shift the mean momentum)",
        doc="momentum added per unit of external support",
    )
    momentum_persistence: float = param(
        0.9, "assumption", "momentum is persistent week to week", lo=0, hi=0.999,
        plausible=(0.8, 0.97), doc="AR(1) coefficient of momentum",
    )
    momentum_sd: float = param(
        0.5, "assumption", "weekly momentum shocks of half a pp/yr", lo=0, hi=100,
        plausible=(0.2, 1.0), doc="weekly momentum shock sd (pp/yr)",
    )
    territory_noise: float = param(
        0.0005, "assumption", "weekly front-line noise of 0.05 pp", lo=0, hi=0.1,
        plausible=(0.0, 0.001),
        liveness="inert: front-line noise of a few tenths of a point a year moves the claim gap "
        "too little to change any outcome detectably at 4,000 replications",
        doc="weekly sd of territorial change beyond momentum",
    )


@dataclass
class Config:
    """The whole composed configuration."""

    name: str = param("article_baseline", "run", "scenario name", doc="scenario preset")
    sim: SimConfig = field(default_factory=SimConfig)
    terms: TermsConfig = field(default_factory=TermsConfig)
    deployment: DeploymentConfig = field(default_factory=DeploymentConfig)
    us: UsConfig = field(default_factory=UsConfig)
    russia: RussiaConfig = field(default_factory=RussiaConfig)
    ukraine: UkraineConfig = field(default_factory=UkraineConfig)
    coalition: CoalitionConfig = field(default_factory=CoalitionConfig)
    talks: TalksConfig = field(default_factory=TalksConfig)
    ceasefire: CeasefireConfig = field(default_factory=CeasefireConfig)
    force: ForceConfig = field(default_factory=ForceConfig)
    battlefield: BattlefieldConfig = field(default_factory=BattlefieldConfig)


MODEL_GROUPS = (
    "terms", "deployment", "us", "russia", "ukraine", "coalition", "talks", "ceasefire", "force",
    "battlefield",
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


def field_of(key: str) -> dataclasses.Field:
    """The schema field of a dotted key (``group.name``).

    Raises:
        KeyError: if there is no such key.
    """
    for k, f, _ in iter_params():
        if k == key:
            return f
    raise KeyError(key)


def provenance(f: dataclasses.Field) -> str:
    """A field's provenance as one line: ``class: source``."""
    return f"{f.metadata['kind']}: {f.metadata['source']}"


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
    lo, hi = meta.get("lo"), meta.get("hi")
    allowed = _fmt_range(key, lo, hi)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        noun = "a whole number" if expected == "int" else "a number"
        raise ConfigError(f"{key}={value!r}: expected {noun} in {allowed}")
    if not math.isfinite(value):
        raise ConfigError(f"{key}={value!r}: expected a finite number in {allowed}")
    if expected == "int" and not float(value).is_integer():
        raise ConfigError(f"{key}={value!r}: expected a whole number in {allowed}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{key}={value!r} is out of range: allowed {allowed}")


def _fmt_range(key: str, lo: float | None, hi: float | None) -> str:
    if key == "sim.n_jobs":
        return "-1 (all cores) or 1 to 1024"

    def fmt(v: float) -> str:
        return f"{int(v):,}" if float(v).is_integer() else f"{v:g}"

    lo_s = "-∞" if lo is None else fmt(lo)
    hi_s = "∞" if hi is None else fmt(hi)
    return f"[{lo_s}, {hi_s}]"


def validate(cfg: Config) -> Config:
    """Check every value's type and range and the cross-field rules; return the config.

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
    leads = cfg.deployment.lead_share + cfg.deployment.germany_share
    if leads > 1 + 1e-12:
        raise ConfigError(
            f"deployment.lead_share + deployment.germany_share = {leads:g}: must be at most 1 "
            "(the rest goes to the other members)"
        )
    if cfg.coalition.resolve_low > cfg.coalition.resolve_high:
        raise ConfigError(
            f"coalition.resolve_low={cfg.coalition.resolve_low!r} exceeds "
            f"coalition.resolve_high={cfg.coalition.resolve_high!r}: low must be ≤ high"
        )
    if cfg.deployment.timing == "after_settlement" and not cfg.terms.force_stays:
        raise ConfigError(
            "deployment.timing='after_settlement' with terms.force_stays=false: a force that "
            "deploys only after a settlement whose terms send it home never deploys; set "
            "terms.force_stays=true or choose another deployment.timing"
        )
    if cfg.battlefield.held_outside_claim > cfg.battlefield.initial_territory:
        raise ConfigError(
            f"battlefield.held_outside_claim={cfg.battlefield.held_outside_claim!r} exceeds "
            f"battlefield.initial_territory={cfg.battlefield.initial_territory!r}: the part "
            "outside the claim must be part of the held share"
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


def config_from_omegaconf(dcfg: Any) -> Config:
    """Validate a composed Hydra/OmegaConf config into a :class:`Config`.

    Raises:
        ConfigError: naming the key, the value and what is allowed.
    """
    from omegaconf import OmegaConf

    data = OmegaConf.to_container(dcfg, resolve=True)
    return from_mapping({k: v for k, v in data.items() if k != "hydra"})


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
