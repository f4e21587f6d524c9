"""The teaching notebooks in ``notebooks/`` run top to bottom, and are committed clean.

Every ``notebooks/*.ipynb`` (found by glob, so new notebooks are included automatically) is
executed in memory with nbclient on the ``python3`` kernel — the interpreter running the tests —
with small replication counts from environment variables, in a temporary working directory. The
executed copy is never written back. A notebook passes when no cell raises, no cell writes a
Python warning to stderr, it shows at least one figure, it prints the text its lessons promise,
and it wrote nothing into the repository.

Also tested: the small presentation helpers in :mod:`sim.notebook_support`.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import nbformat
import pytest
from matplotlib.figure import Figure
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from sim import notebook_support as nbs
from sim.config import KINDS, Config, field_of, iter_params
from sim.metrics import HEADLINES
from sim.resources import quotes
from sim.rulebook import rows
from sim.rules import RULES

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))

REPLICATIONS_ENV = "CEASEFIRE_SIM_REPLICATIONS"
TEST_ENV = {
    REPLICATIONS_ENV: "100",  # small: every notebook must still run top to bottom
    "CEASEFIRE_SIM_SOBOL_N": "8",  # notebook 4: 8 × (3 + 2) = 40 Sobol points
    "MPLBACKEND": "Agg",
}
CELL_TIMEOUT_S = 300
KERNEL = "python3"

# Text each lesson must produce (in any output: stdout, tables, Markdown). Each is printed by a
# computation, so it fails when the lesson's result or check does: a comparison that no longer
# agrees, a check that turns False, a changed assumption the Markdown states. Notebooks not listed
# here (e.g. one added later) are held to the generic checks only.
EXPECTED_TEXT: dict[str, tuple[str, ...]] = {
    "01_quickstart.ipynb": (
        "P(war or escalation)",
        "ceasefire failures per 100 ceasefire-weeks",
        "v1: P(first peace failed | ceasefire)",
        "none earlier than that: True",
        "troops still deployed at the end of any of them: 0",
        "CLI and API give identical outcome probabilities: True",
    ),
    "02_actors_and_rules.ipynb": (
        "legitimate targets",  # Q01's text, read from the quote catalogue into the cards
        "Counterfactual* (a lever value departs from the words)",
        "parameters by class: quote 1,",
        "decomposition = engine: True",
        "closed form = code: True",
        "gap ever closed: False",
        "actors without a section: none",
    ),
    "03_what_if.ipynb": (
        "russia.force_aversion = 1  (class: assumption",
        "Median gain from pairing",
        "unpaired / paired width",
        "trade-off holds (earlier: more resisted by Russia, more credible to Ukraine): True",
        "Dilemma map: article_baseline vs the same world without a force",
        ("the sign of the force's effect changes across the plausible ranges: "
         "{'p_war_or_escalation': True"),
        ("assumed point used by every single-point comparison above: "
         "russia.force_aversion = 1, ukraine.guarantee_weight = 2"),
    ),
    "04_sweeps_and_sensitivity.ipynb": (
        "run_block equals running each point alone: True",
        "command line and run_block agree on every point: True",
        "μ* of the control is 0 for every outcome: True",
    ),
    "05_model_against_evidence.ipynb": (
        "evidence table computed from the shipped points: 96 ceasefires",
        "checks by kind: calibration 8, validation 4, verification 1, reported 1",
        "consented-force survival at 104 weeks",
        "hazard ratio, the article's force",
    ),
}


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def _output_text(nb: nbformat.NotebookNode) -> str:
    """All text a notebook showed: streams, plain text, Markdown and HTML outputs."""
    parts: list[str] = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            data = out.get("data", {})
            for mime in ("text/plain", "text/markdown", "text/html"):
                if mime in data:
                    parts.append(str(data[mime]))
    return "\n".join(parts)


def _image_count(nb: nbformat.NotebookNode) -> int:
    return sum("image/png" in out.get("data", {})
               for cell in nb.cells for out in cell.get("outputs", []))


def _stderr_warnings(nb: nbformat.NotebookNode) -> list[str]:
    return [out.get("text", "") for cell in nb.cells for out in cell.get("outputs", [])
            if out.get("output_type") == "stream" and out.get("name") == "stderr"
            and "Warning" in out.get("text", "")]


def _repo_listing() -> set[str]:
    """Files and folders at the top of the repository and in notebooks/ (cheap to list).

    Notebooks and dot-folders are left out: a notebook appearing while the tests run is an
    author's work, and tool caches (``.pytest_cache``, ``.hypothesis``) are not notebook output.
    """
    entries = [*ROOT.iterdir(), *NOTEBOOK_DIR.iterdir()]
    return {p.relative_to(ROOT).as_posix() for p in entries
            if p.suffix != ".ipynb" and not p.name.startswith(".")}


def test_notebooks_exist() -> None:
    """The five teaching notebooks are present (others may be added)."""
    names = set(_ids(NOTEBOOKS))
    assert set(EXPECTED_TEXT) <= names, f"missing notebooks: {set(EXPECTED_TEXT) - names}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_committed_clean(path: Path) -> None:
    """Committed notebooks are valid, have no outputs and no execution counts."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts; clear them"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_reads_replication_count_from_environment(path: Path) -> None:
    """Each notebook reads its replication count from the environment, so tests keep it small."""
    source = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells
                       if cell.cell_type == "code")
    assert REPLICATIONS_ENV in source, f"{path.name} does not read {REPLICATIONS_ENV}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_top_to_bottom(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Execute the notebook in memory, in a temporary working directory, with small counts."""
    for key, value in TEST_ENV.items():
        monkeypatch.setenv(key, value)
    # No user-level kernelspec may shadow this environment's "python3" kernel (jupyter_client
    # runs a spec whose argv starts with "python" on sys.executable); runtime files go to tmp too.
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    committed = path.read_bytes()
    before = _repo_listing()
    nb = nbformat.read(path, as_version=4)
    probe = nbformat.v4.new_code_cell("import os, sys\nprint(sys.executable)\nprint(os.getcwd())")
    nb.cells.insert(0, probe)
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT_S,
                            resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
    except CellExecutionError as err:
        pytest.fail(f"{path.name} failed:\n{err}")

    shown = probe.outputs[0]["text"].split()
    assert shown == [sys.executable, str(tmp_path)], f"kernel interpreter / cwd: {shown}"
    assert not _stderr_warnings(nb), f"{path.name} emitted warnings: {_stderr_warnings(nb)}"
    assert _image_count(nb) >= 1, f"{path.name} showed no figure"
    text = _output_text(nb)
    missing = [t for t in EXPECTED_TEXT.get(path.name, ()) if t not in text]
    assert not missing, f"{path.name} did not show {missing}"
    assert path.read_bytes() == committed, "the executed notebook was written back"
    assert _repo_listing() == before, f"new files in the repo: {_repo_listing() - before}"


# --- sim.notebook_support -------------------------------------------------------------------


def test_param_table_class_is_the_schema_provenance_class() -> None:
    """Every parameter appears once, with the one provenance class and source of its field."""
    cfg = Config()
    table = nbs.param_table(cfg)
    assert list(table.columns) == nbs.PARAM_COLUMNS
    keys = [key for key, _, _ in iter_params(cfg)]
    assert list(table["key"]) == keys
    for row in table.to_dict("records"):
        meta = field_of(row["key"]).metadata
        assert (row["class"], row["source"]) == (meta["kind"], meta["source"]), row["key"]
    assert set(table["class"]) == set(KINDS)
    assert (table["source"].str.len() > 0).all()


def test_param_table_keeps_order_values_and_types() -> None:
    cfg = Config()
    keys = ["russia.force_aversion", "coalition.members", "terms.force_stays", "terms.recognise"]
    table = nbs.param_table(cfg, keys)
    assert list(table["key"]) == keys
    values = list(table["value"])
    assert values == [cfg.russia.force_aversion, cfg.coalition.members, cfg.terms.force_stays,
                      cfg.terms.recognise]
    assert [type(v) for v in values] == [float, int, bool, str]  # not coerced to one dtype
    assert list(table["class"]) == ["assumption", "quote", "lever", "lever"]
    assert table.loc[0, "plausible"] == "0 – 3"
    with pytest.raises(KeyError):
        nbs.param_table(cfg, ["no.such_key"])


def test_rule_table_lists_each_rules_quotes_by_role() -> None:
    table = nbs.rule_table(Config()).set_index("function")
    assert len(table) == len(RULES)
    for name, info in RULES.items():
        row = table.loc[name]
        for role in nbs.ROLES:
            ids = [q for q, r in info.roles() if r == role]
            assert row[role] == (", ".join(ids) or "—"), (name, role)
        assert row["parameters"] == len(info.params)
        assert row["actor"] == info.actor


def _cards_by_function(text: str) -> dict[str, str]:
    cards = [c for c in text.split("#### ") if c.strip()]
    return {card.split("`")[1].rsplit(".", 1)[1]: card for card in cards}


def test_rule_cards_cover_every_rule_quote_role_and_parameter_of_each_actor() -> None:
    cfg = Config()
    catalogue = quotes()
    seen = set()
    for actor in nbs.actors(cfg):
        cards = _cards_by_function(nbs.rule_cards(cfg, actor))
        for r in rows(cfg):
            if r["actor"] != actor:
                continue
            name = r["function"].rsplit(".", 1)[1]
            card = cards[name]
            seen.add(name)
            for role, meaning in nbs.ROLES.items():
                heading = f"*{role.capitalize()}* ({meaning}):"
                cited = [q["id"] for q in r["quotes"] if q["role"] == role]
                assert (heading in card) == bool(cited), (name, role)
                if cited:  # the role's quotes sit under its heading, verbatim
                    section = card.split(heading, 1)[1].split("\n\n*", 1)[0]
                    for q in cited:
                        assert f"**{q}** “{catalogue[q]}”" in section, (name, q)
            for p in r["params"]:
                assert f"| `{p['key']}` | " in card and f"| {p['kind']} |" in card
    assert seen == set(RULES)
    assert nbs.rule_cards(cfg, "nobody") == "\n"


def test_rule_card_tables_are_contiguous_markdown() -> None:
    """Table rows must sit on consecutive lines, or Markdown renders them as text."""
    text = nbs.rule_cards(Config(), "Russia")
    lines = text.splitlines()
    headers = 0
    for i, line in enumerate(lines):
        if line.startswith("|---"):
            headers += 1
            assert lines[i - 1].startswith("| parameter") and lines[i + 1].startswith("| `")
    assert headers > 0


def test_headline_table_flags_intervals_that_exclude_zero() -> None:
    entry = {"a": 0.5, "b": 0.4, "n": 10}
    result = {key: {**entry, "diff": 0.1, "lo": 0.05, "hi": 0.15} for key in HEADLINES}
    result["p_settlement"] = {**entry, "diff": 0.0, "lo": -0.1, "hi": 0.1}
    result["collapse_hazard"] = {**entry, "diff": math.nan, "lo": math.nan, "hi": math.nan}
    table = nbs.headline_table({"A − B": result})
    assert list(table["headline"]) == list(HEADLINES.values())
    assert dict(zip(table["headline"], table["excludes_0"], strict=True)) == {
        HEADLINES["p_first_ceasefire"]: True, HEADLINES["p_settlement"]: False,
        HEADLINES["p_war_or_escalation"]: True, HEADLINES["collapse_hazard"]: False}


def test_figures_are_returned() -> None:
    import numpy as np
    import pandas as pd

    comparisons = pd.DataFrame({"label": ["a", "b"], "diff": [0.1, -0.05], "lo": [0.05, -0.1],
                                "hi": [0.15, 0.0], "lo_unpaired": [0.0, -0.2],
                                "hi_unpaired": [0.2, 0.1]})
    fig = nbs.interval_comparison_figure(comparisons, "caption")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    by_height = dict(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels()),
                         strict=True))
    assert [by_height[y] for y in sorted(by_height, reverse=True)] == ["a", "b"]  # first on top
    indices = {"S1": [0.5, 0.1], "S1_conf": [0.1, 0.05], "ST": [0.6, 0.2], "ST_conf": [0.1, 0.1]}
    fig = nbs.sobol_figure(indices, ["x1", "x2"], "caption", output="P(escalation)")
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_title() == "Sensitivity of P(escalation)"

    entry = {"a": 0.5, "b": 0.4, "diff": 0.1, "lo": 0.05, "hi": 0.15, "n": 10}
    table = nbs.headline_table({"x − y": dict.fromkeys(HEADLINES, entry),
                                "z − y": dict.fromkeys(HEADLINES, entry)})
    fig = nbs.headline_figure(table, "caption", title="T")
    assert [ax.get_title() for ax in fig.axes] == list(HEADLINES.values())

    weeks = 10
    phase = np.array([[0, 0, 1, 1, 1, 0, 0, 2, 2, 3, 3]], dtype=np.int8)
    troops = np.array([[0, 0, 0, 2e4, 2e4, 0, 0, 0, 0, 0, 0]], dtype=np.float32)
    raw = {"phase": phase, "territory": np.full((1, weeks + 1), 0.2),
           "claim_gap": np.full((1, weeks + 1), 0.03), "troops_deployed": troops}
    fig = nbs.history_figure(raw, 0, "caption")
    assert len(fig.axes) == 4
    drawn = fig.axes[3].get_lines()[0].get_ydata()
    assert np.allclose(drawn, troops[0] / 1000)  # troops are drawn in thousands
