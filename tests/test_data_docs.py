"""docs/DATA.md lists every column of every table a run writes (the data contract)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from sim import metrics, output
from sim.api import run_scenario

DATA = Path(__file__).resolve().parents[1] / "docs" / "DATA.md"


def _section(title: str) -> str:
    text = DATA.read_text(encoding="utf-8")
    start = text.index(f"## `{title}`")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


@pytest.fixture(scope="module")
def res():
    return run_scenario(replications=200, weeks=60)


def _columns_in(title: str) -> set[str]:
    rows = re.findall(r"^\| `([^|]+)` \|", _section(title), re.MULTILINE)
    out = set()
    for row in rows:
        out |= {c.strip(" `") for c in row.split(",")}
    return out


@pytest.mark.parametrize(("title", "attr"), [
    ("records.csv", "records"), ("paths.csv", "paths"), ("survival.csv", "survival")])
def test_every_column_is_documented(res, title, attr):
    frame: pd.DataFrame = getattr(res, attr)
    assert set(frame.columns) == _columns_in(title)


def _types_in(title: str) -> dict[str, str]:
    rows = re.findall(r"^\| `([^|]+)` \| ([a-z0-9]+) \|", _section(title), re.MULTILINE)
    return {c.strip(" `"): kind for names, kind in rows for c in names.split(",")}


KINDS = {"int": "i", "uint64": "u", "float": "f", "bool": "b", "string": "OSU"}


@pytest.mark.parametrize(("title", "attr"), [
    ("records.csv", "records"), ("paths.csv", "paths"), ("survival.csv", "survival")])
def test_documented_types_are_the_types_written(res, title, attr, tmp_path):
    """The type column of each table matches the frame, the CSV read back and the Parquet file."""
    frame: pd.DataFrame = getattr(res, attr)
    (tmp_path / "t.csv").write_text(output.csv_text(frame, output.FLOAT_FORMATS[attr]))
    (tmp_path / "t.parquet").write_bytes(output.parquet_bytes(frame))
    dtype = {"seed": "uint64"} if "seed" in frame else None
    for version in (frame, pd.read_csv(tmp_path / "t.csv", dtype=dtype),
                    pd.read_parquet(tmp_path / "t.parquet")):
        for column, kind in _types_in(title).items():
            assert version[column].dtype.kind in KINDS[kind], (title, column, kind,
                                                               version[column].dtype)


def test_every_summary_row_and_path_indicator_is_documented(res):
    text = _section("summary.csv")
    table = metrics.summary_table(res.summary)
    assert set(table.columns) == _columns_in("summary.csv")
    for name in table["name"]:
        stem = re.sub(r"_by_\d+$", "_by_", name)
        assert f"`{name}`" in text or stem in text, name
    paths = _section("paths.csv")
    for indicator in res.paths["indicator"].unique():
        assert f"`{indicator}`" in paths, indicator
