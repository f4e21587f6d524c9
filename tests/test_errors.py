"""One error contract for every entry point, checked through the real console scripts.

Every bad input below is run as a user would run it (a subprocess of the installed console
script, in an empty folder); each must answer with exactly one non-empty line on standard error,
starting with ``error:`` and containing the given fragment, exit code 2, no traceback, and leave
no results folder behind. The Python API raises ``ConfigError`` with the same line.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim import api
from sim.config import ConfigError

BIN = Path(sys.executable).parent
SMALL = ["sim.replications=20", "sim.weeks=20", "sim.figures=false"]
TIMEOUT = 300


def script(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.skip(f"{name} is not installed next to {sys.executable}")
    return str(path)


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)


def assert_one_line(proc: subprocess.CompletedProcess[str], fragment: str) -> str:
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert len(lines) == 1, proc.stderr[-2000:]
    assert lines[0].startswith("error: "), lines[0]
    assert fragment in lines[0], (fragment, lines[0])
    assert "Traceback" not in proc.stderr + (proc.stdout or "")
    return lines[0]


def leaves_nothing(folder: Path) -> bool:
    """No results folder: nothing but what the test itself put there."""
    return not any(p for p in folder.rglob("*") if p.name != "afile")


CLI_CASES = [
    # Hydra's parse and composition errors, caught by the pre-check or turned into one line.
    (["us.role=[a,b]"], "us.role='[a,b]' is a list"),
    (["us.role={a: 1, b: 2}"], "is a mapping"),
    (["us.role=none,ground"], "add -m"),
    (["us.role"], "'us.role' has no value: write us.role=VALUE"),
    (["~us.role"], "cannot be deleted"),
    (["+experiment=nope"], "+experiment='nope' is not an experiment: choose one of"),
    (["experiment=troops"], "write +experiment=troops"),
    (["hydra/launcher=foo"], "hydra/launcher=foo is not a hydra/launcher option: choose one of"),
    (["-m", "us.rol=none,ground"], "unknown key 'us.rol'"),
    (["-m", "us.role=none,groud"], "did you mean us.role=ground?"),
    (["russia.strike_propensty=0.1"], "did you mean russia.strike_propensity?"),
    (["russia.air_support_prob=0.5"], "did you mean us.air_support_prob?"),
    (["us.role=air_backstop"], "did you mean us=air_backstop"),
    (["us=air"], "us='air' is not a us option"),
    (["scenario=bogus"], "scenario='bogus' is not a scenario option"),
    # Silent accepts, now refused.
    (["us.role=none", "us.role=ground"], "us.role is given twice"),
    (["hydra.run.dir="], "hydra.run.dir is empty"),
    (["sim.replications=1e12"], ("sim.replications=1000000000000 is out of range: allowed [1, "
                                "10,000,000]")),
    (["design.index=3"], "design.index: unknown design setting"),
    # Hydra's own flag checks.
    (["--run", "-m"], "Only one of --run, --multirun"),
    # An output folder that cannot be created.
    (["hydra.run.dir=afile/run"], "afile/run: Not a directory"),
]


@pytest.mark.parametrize(("args", "fragment"), CLI_CASES,
                         ids=[" ".join(a) for a, _ in CLI_CASES])
def test_ceasefire_sim_bad_input_is_one_line(tmp_path: Path, args: list[str], fragment: str
                                             ) -> None:
    (tmp_path / "afile").write_text("not a folder\n")
    run_dir = [] if any(a.startswith("hydra.run.dir") for a in args) else ["hydra.run.dir=run"]
    proc = run([script("ceasefire-sim"), *args, *SMALL, *run_dir], tmp_path)
    assert_one_line(proc, fragment)
    assert leaves_nothing(tmp_path), sorted(map(str, tmp_path.rglob("*")))


OTHER_CASES = [
    ("ceasefire-sim-rules", ["us.role=navy"], "us.role='navy' is not allowed"),
    ("ceasefire-sim-rules", ["--bogus"], "unrecognized arguments: --bogus"),
    ("ceasefire-sim-compare", ["article_baseline", "nope"], "nope"),
    ("ceasefire-sim-compare", ["article_baseline", "no_force", "--replications", "0"],
     "--replications"),
    ("ceasefire-sim-validate", ["--replications", "-5"], "--replications"),
    ("ceasefire-sim-calibrate", ["--bogus"], "unrecognized arguments: --bogus"),
    ("ceasefire-sim-discover", ["nothing"], "nothing is not a folder"),
    ("ceasefire-sim-discover", [".", "--max-boxes", "-3"], ("--max-boxes='-3': expected a whole "
                                                          "number ≥ 1")),
    ("ceasefire-sim-discover", [".", "--min-density", "5"], "--min-density='5'"),
    ("ceasefire-sim-discover", [".", "--mass-min", "-1"], "--mass-min='-1'"),
    ("ceasefire-sim-discover", [".", "--threshold", "p_escalation=inf"], "a finite number"),
]


@pytest.mark.parametrize(("name", "args", "fragment"), OTHER_CASES,
                         ids=[f"{n} {' '.join(a)}" for n, a, _ in OTHER_CASES])
def test_other_console_scripts_bad_input_is_one_line(tmp_path: Path, name: str, args: list[str],
                                                     fragment: str) -> None:
    proc = run([script(name), *args], tmp_path)
    assert_one_line(proc, fragment)
    assert leaves_nothing(tmp_path)


def test_discover_refuses_a_sweep_table_without_rows(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    proc = run([script("ceasefire-sim"), "+experiment=lhs", "design.n=4", *SMALL,
                "hydra.callbacks.aggregate.discovery=false", f"hydra.sweep.dir={sweep}"],
               tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    header = (sweep / "sweep.csv").read_text(encoding="utf-8").splitlines()[0]
    (sweep / "sweep.csv").write_text(header + "\n", encoding="utf-8")
    (sweep / "sweep.parquet").unlink()
    proc = run([script("ceasefire-sim-discover"), str(sweep)], tmp_path)
    assert_one_line(proc, "has no finished points")


def test_rulebook_to_a_full_device_is_one_line(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([script("ceasefire-sim-rules")], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=TIMEOUT, check=False, cwd=tmp_path)
    assert_one_line(proc, "cannot write the rulebook to standard output")


@pytest.mark.parametrize("args", [
    ["--cfg", "job", "us.role=none"],
    ["--cfg", "job", "-p", "us"],
    ["--info", "defaults"],
    ["-sc", "install=bash"],
    ["--hydra-help"],
    ["us.role=none", "--cfg", "job"],  # a flag after an override
])
def test_hydra_flags_pass_the_pre_check(tmp_path: Path, args: list[str]) -> None:
    proc = run([script("ceasefire-sim"), *args], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() and "error:" not in proc.stderr
    assert leaves_nothing(tmp_path)


def test_help_explains_the_app_and_version_names_it(tmp_path: Path) -> None:
    from sim import __version__

    proc = run([script("ceasefire-sim"), "--help"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    for text in ("Usage:", "Common commands:", ("us.role: none | intelligence | air_support | "
                 "ground"), "Scenarios (scenario=NAME):", "no_force", "+experiment=NAME",
                 "outputs/<date>/<time>/", "manifest.json", "ceasefire-sim-compare"):
        assert text in proc.stdout, text
    version = run([script("ceasefire-sim"), "--version"], tmp_path)
    assert version.returncode == 0 and version.stdout.startswith(f"ceasefire-sim {__version__} ")
    # The modules behind the console scripts run with -m too (sim.cli did nothing, silently).
    for module, head in (("sim.cli", f"ceasefire-sim {__version__} "),
                         ("sim.sweeps.discovery", "ceasefire-sim-discover")):
        flag = "--version" if module == "sim.cli" else "--help"
        proc = run([sys.executable, "-m", module, flag], tmp_path)
        assert proc.returncode == 0 and head in proc.stdout, (module, proc.stdout, proc.stderr)
    assert leaves_nothing(tmp_path)


def test_a_different_sweep_into_a_finished_sweep_folder_is_refused(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    first = run([script("ceasefire-sim"), "-m", "us.role=none,ground", *SMALL,
                 f"hydra.sweep.dir={sweep}"], tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    before = {p: p.stat().st_mtime_ns for p in sweep.rglob("*") if p.is_file()}
    other = run([script("ceasefire-sim"), "-m", "us.role=none,ground", *SMALL,
                 "russia.strike_propensity=0.01", f"hydra.sweep.dir={sweep}"], tmp_path)
    line = assert_one_line(other, f"hydra.sweep.dir={sweep} holds another sweep")
    assert "russia.strike_propensity=0.01" in line
    assert before == {p: p.stat().st_mtime_ns for p in sweep.rglob("*") if p.is_file()}
    # The same command on another launcher resumes it: every point is skipped as complete.
    again = run([script("ceasefire-sim"), "-m", "us.role=none,ground", *SMALL,
                 f"hydra.sweep.dir={sweep}", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
                tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    manifests = {p: t for p, t in before.items() if p.name == "manifest.json"}
    assert len(manifests) == 2
    assert manifests == {p: p.stat().st_mtime_ns for p in manifests}  # not recomputed


def test_engines_write_byte_identical_files_from_the_command_line(tmp_path: Path) -> None:
    """The README's promise: the Mesa and batched engines write the same bytes."""
    folders = {}
    for engine in ("batched", "mesa"):
        folders[engine] = tmp_path / engine
        proc = run([script("ceasefire-sim"), f"sim.engine={engine}", "sim.replications=30",
                    "sim.weeks=60", "sim.figures=false", f"hydra.run.dir={folders[engine]}"],
                   tmp_path)
        assert proc.returncode == 0, proc.stderr[-2000:]
    for name in ("records.csv", "paths.csv", "survival.csv", "summary.csv", "summary.txt"):
        assert (folders["batched"] / name).read_bytes() == (folders["mesa"] / name).read_bytes(), \
            name


def _children(pid: int) -> set[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return {int(x) for x in out.stdout.split()}


def _wait_for(predicate, what: str, limit: float = 240.0) -> None:
    """Poll a condition on the processes and files (not on elapsed time), within a generous
    limit only so that a broken run cannot hang the suite."""
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _terminal_signals() -> None:
    """In the child before it runs: SIGINT as at a terminal. A shell without job control starts
    background commands with SIGINT ignored (POSIX), children inherit that, and Python then
    installs no Ctrl-C handler, so a suite started that way (``bash .ci/run &``) would send a
    Ctrl-C the sweep never sees."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.skipif(shutil.which("pgrep") is None, reason="needs pgrep")
@pytest.mark.parametrize(("sig", "code", "word"), [(signal.SIGINT, 130, "Ctrl-C"),
                                                    (signal.SIGTERM, 143, "SIGTERM")])
def test_an_interrupted_sweep_says_so_in_one_line_and_stops_its_workers(
        tmp_path: Path, sig: int, code: int, word: str) -> None:
    sweep = tmp_path / "sweep"
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    proc = subprocess.Popen(
        [script("ceasefire-sim"), "+experiment=timing_x_us_role", "sim.replications=20000",
         "sim.figures=false", "hydra.sweeper.workers_per_job=2", f"hydra.sweep.dir={sweep}"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_terminal_signals)  # noqa: PLW1509 (one call, before any thread of the test)
    try:
        _wait_for(lambda: len(_children(proc.pid)) >= 2 or proc.poll() is not None,
                  "the worker processes to start")
        workers = _children(proc.pid)
        assert proc.poll() is None, "the sweep ended before it could be interrupted"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert proc.returncode == code, err[-2000:]
    assert lines[-1].startswith(f"error: interrupted ({word}): the sweep in {sweep}"), lines[-1]
    assert "rerun the same command to resume" in lines[-1] and "Traceback" not in err
    _wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers),
              "the workers to stop")
    assert not (sweep / "sweep.csv").exists()  # no aggregate that looks finished


def test_api_raises_config_error_with_the_same_line() -> None:
    cases = [
        (lambda: api.run_scenario("article_baseline", "us.role=none"), "expected a list"),
        (lambda: api.run_scenario("article_baseline", ["us.role=none", None]), "expected a list"),
        (lambda: api.run_scenario("article_baseline", [3]), "expected a list"),
        (lambda: api.run_scenario("article_baseline", ["scenario=no_force"]),
         "the scenario is the first argument"),
        (lambda: api.run_scenario(replications=10, keep_paths="no"), "keep_paths='no'"),
        (lambda: api.compose_config(["us.role=none"]), "is not a scenario name"),
        (lambda: api.compose_config("article_baseline", ["us.role=air_backstop"]),
         "did you mean us=air_backstop"),
        (lambda: api.compose_config("article_baseline", ["us.role=none", "us.role=ground"]),
         "us.role is given twice"),
        (lambda: api.run_scenario("article_baseline", ["sim.replications=1e12"]),
         "allowed [1, 10,000,000]"),
    ]
    for call, fragment in cases:
        with pytest.raises(ConfigError) as info:
            call()
        assert fragment in str(info.value) and "\n" not in str(info.value), str(info.value)
