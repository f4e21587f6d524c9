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
