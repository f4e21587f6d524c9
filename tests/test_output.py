"""The results folder is honest: no stale manifest, no leftover temporary files, normal
permissions, one clear error when a file cannot be written."""

from __future__ import annotations

import os
import stat

import pytest

from sim import output
from sim.api import run_scenario


@pytest.fixture(scope="module")
def results():
    res = run_scenario(replications=50, weeks=20)
    res.config.sim.figures = False
    return res


def test_files_get_normal_permissions(tmp_path, results):
    old = os.umask(0o022)
    try:
        output.write_results(results, tmp_path / "run")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "run" / "summary.json").stat().st_mode)
    assert mode == 0o644  # readable by others on a shared cluster folder (not mkstemp's 0600)


def test_a_rerun_drops_the_old_manifest_before_writing(tmp_path, results, monkeypatch):
    """Dying mid-write must not leave the old manifest next to new files."""
    run = tmp_path / "run"
    output.write_results(results, run)
    assert output.is_complete(run)
    calls = {"n": 0}
    real = output.atomic_write

    def dying(path, data):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # killed after two files
        real(path, data)

    monkeypatch.setattr(output, "atomic_write", dying)
    with pytest.raises(KeyboardInterrupt):
        output.write_results(results, run)
    assert not (run / output.MANIFEST).exists()
    assert not output.is_complete(run)


def test_temporary_files_of_a_killed_write_are_cleaned_on_the_next_run(tmp_path, results):
    run = tmp_path / "run"
    (run / "figures").mkdir(parents=True)
    (run / ".summary.json.abc.tmp").write_text("half")
    (run / "figures" / ".outcomes.png.def.tmp").write_bytes(b"half")
    output.write_results(results, run)
    assert not list(run.rglob("*.tmp"))
    assert output.is_complete(run)


def test_a_full_disk_is_one_clear_error(tmp_path, results, monkeypatch):
    import errno

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    real_fdopen = os.fdopen

    class Writer:
        def __init__(self, fd):
            self.f = real_fdopen(fd, "wb")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: Writer(fd))
    with pytest.raises(output.OutputError, match="cannot write .*summary|cannot write .*config"):
        output.write_results(results, tmp_path / "run")
    assert not list((tmp_path / "run").glob("*.tmp"))
    assert not (tmp_path / "run" / output.MANIFEST).exists()


def test_a_path_under_a_file_is_one_clear_error(tmp_path, results):
    (tmp_path / "f").write_text("x")
    with pytest.raises(output.OutputError, match="cannot write"):
        output.write_results(results, tmp_path / "f" / "run")


def _pandas_csv(df, float_format, exact=()):
    """The CSV text as ``DataFrame.to_csv`` writes it (the oracle for ``output.csv_text``):
    exact columns in full, all-whole float columns with one decimal, the rest with
    ``float_format``; missing values empty."""
    import numpy as np

    out = df.copy()
    for col in df.columns:
        raw = df[col].to_numpy()
        if raw.dtype.kind != "f":
            continue
        finite = raw[np.isfinite(raw)]
        if col in exact:
            out[col] = np.asarray([repr(float(v)) if np.isfinite(v) else "" for v in raw],
                                  dtype=object)
        elif len(finite) and np.all(finite == np.round(finite)):
            out[col] = np.asarray(np.where(np.isnan(raw), "", np.char.mod("%.1f", raw)),
                                  dtype=object)
    return out.to_csv(index=False, lineterminator="\n", float_format=float_format)


def _awkward_frame():
    import numpy as np
    import pandas as pd

    return pd.DataFrame({
        "i": np.array([0, -3, 2**40], dtype=np.int64),
        "u": np.array([0, 2**64 - 1, 7], dtype=np.uint64),
        "b": [True, False, True],
        "f": [0.1, np.nan, -1e-300],
        "inf": [np.inf, -np.inf, 2.5],
        "whole": [0.0, np.nan, 3.0],
        "exact": [0.1 + 0.2, np.inf, np.nan],
        "text": pd.array(["plain", "a, comma", None], dtype="str"),
        "quoted": ['say "no"', "", "line\nbreak"],
        "mixed": pd.array([1, "x", None], dtype=object),
        "a,b": [1.5, 2.5, 3.5],
    })


@pytest.mark.parametrize("table", ["records", "paths", "survival", "awkward", "empty"])
def test_csv_text_is_the_text_pandas_writes(results, table):
    """``csv_text`` writes its own CSV (five times faster than pandas); it must be, byte for
    byte, what ``DataFrame.to_csv`` writes with the same formats, on the run's tables and on a
    frame of awkward values (NaN, infinities, uint64, quotes, commas, line breaks, missing text)."""
    frame = {"awkward": _awkward_frame, "empty": lambda: _awkward_frame().iloc[:0]}.get(
        table, lambda: getattr(results, table))()
    fmt = output.FLOAT_FORMATS.get(table, "%.6g")
    exact = ("exact",) if table in ("awkward", "empty") else ()
    assert output.csv_text(frame, fmt, exact) == _pandas_csv(frame, fmt, exact)


@pytest.mark.parametrize("table", ["records", "paths", "survival"])
def test_parquet_files_read_back_as_the_frame(results, table, tmp_path):
    """Parquet is written from Arrow columns (not through pandas): the frame reads back equal,
    with the same types."""
    import pandas as pd

    frame = getattr(results, table)
    (tmp_path / "t.parquet").write_bytes(output.parquet_bytes(frame))
    back = pd.read_parquet(tmp_path / "t.parquet")
    assert list(back.dtypes) == list(frame.dtypes)
    pd.testing.assert_frame_equal(back, frame)
