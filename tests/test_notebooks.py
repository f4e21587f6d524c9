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

import sys
from pathlib import Path

import nbformat
import pytest
from matplotlib.figure import Figure
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from sim import notebook_support as nbs
from sim.config import Config
from sim.resources import quotes
from sim.rulebook import rows

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

# Text each lesson must produce (in any output: stdout, tables, Markdown). Notebooks not listed
# here (e.g. one added later) are held to the generic checks only.
EXPECTED_TEXT: dict[str, tuple[str, ...]] = {
    "01_quickstart.ipynb": (
        "P(settlement)",
        "P(escalation)",
        "CLI and API give identical outcome probabilities: True",
    ),
    "02_actors_and_rules.ipynb": (
        "legitimate targets",  # Q01's text, read from the quote catalogue
        "Assumption (not in the article)",
        "actors without a section: none",
    ),
    "03_what_if.ipynb": (
        "P(escalation)",
        "Median gain from pairing",
        "unpaired / paired width",
    ),
    "04_sweeps_and_sensitivity.ipynb": (
        "20 scenarios",
        "parameter points",
        "ST_conf",
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
    """The four teaching notebooks are present (others may be added)."""
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


@pytest.mark.parametrize(("prov", "kind"), [
    ("Q01, Q09", "article"),
    ("cite: Fortna 2004", "research"),
    ("assumption: a round of talks about one week in four", "assumption"),
    ("Q07; cite: ODNI ICD 203", "article + research"),
    ("cite: Fortna 2004; assumption: long-run weekly hazard", "research + assumption"),
    ("Q22; assumption: committing now adds threat", "article + assumption"),
    ("run setting: not a model assumption", "run setting"),
    ("scenario name", "run setting"),
    ("", "unstated"),
])
def test_provenance_kind(prov: str, kind: str) -> None:
    assert nbs.provenance_kind(prov) == kind


def test_every_model_parameter_has_a_stated_basis() -> None:
    table = nbs.param_table(Config())
    assert list(table.columns) == ["key", "value", "basis", "provenance", "meaning"]
    assert "unstated" not in set(table["basis"]), table[table["basis"] == "unstated"]


def test_param_table_keeps_order_and_values() -> None:
    cfg = Config()
    table = nbs.param_table(cfg, ["us.backing_prob", "russia.strike_propensity"])
    assert list(table["key"]) == ["us.backing_prob", "russia.strike_propensity"]
    assert list(table["value"]) == [cfg.us.backing_prob, cfg.russia.strike_propensity]
    with pytest.raises(KeyError):
        nbs.param_table(cfg, ["no.such_key"])


def test_rule_cards_cover_every_rule_and_quote_of_each_actor() -> None:
    cfg = Config()
    catalogue = quotes()
    for actor in nbs.actors(cfg):
        text = nbs.rule_cards(cfg, actor)
        for r in rows(cfg):
            if r["actor"] != actor:
                continue
            assert r["function"] in text
            for q in r["quotes"]:
                assert catalogue[q["id"]] in text
            for p in r["params"]:
                assert f"`{p['key']}`" in text
    assert nbs.rule_cards(cfg, "nobody") == "\n"


def test_rule_card_tables_are_contiguous_markdown() -> None:
    """Table rows must sit on consecutive lines, or Markdown renders them as text."""
    text = nbs.rule_cards(Config(), "Russia")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|---"):
            assert lines[i - 1].startswith("| parameter") and lines[i + 1].startswith("| `")


def test_figures_are_returned() -> None:
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
