"""Resource guards: a run that cannot fit in memory is refused before it starts, with the option
that fits; long runs report progress in the log when no terminal shows a bar."""

from __future__ import annotations

import logging

import pytest

from sim import experiment
from sim.api import compose_config
from sim.config import ConfigError

GB = 2**30


def test_the_estimate_grows_with_what_is_kept():
    small = experiment.estimate(compose_config("article_baseline", ["sim.replications=1000"]))
    big = experiment.estimate(compose_config("article_baseline", ["sim.replications=1000000"]))
    kept = experiment.estimate(compose_config("article_baseline", ["sim.replications=1000000"]),
                               keep_paths=True)
    assert small["total"] < big["total"] < kept["total"]
    assert kept["weekly paths"] == 1_000_000 * 105 * experiment.PATH_BYTES


@pytest.mark.parametrize(("overrides", "keep", "advice"), [
    (["sim.replications=10000000"], True, "do not keep the weekly paths"),
    (["sim.replications=10000000", "sim.weeks=5200"], False, "lower sim.replications"),
])
def test_a_run_too_big_for_the_machine_is_refused_with_advice(overrides, keep, advice):
    cfg = compose_config("article_baseline", overrides)
    with pytest.raises(ConfigError) as err:
        experiment.check_resources(cfg, keep, available=4 * GB)
    text = str(err.value)
    assert "sim.replications=10,000,000" in text and "4.0 GB is available" in text
    assert advice in text and "\n" not in text


def test_a_run_that_fits_passes():
    cfg = compose_config("article_baseline", ["sim.replications=100000"])
    experiment.check_resources(cfg, available=24 * GB)


def test_progress_goes_to_the_log_off_a_terminal(caplog, monkeypatch):
    monkeypatch.setattr(experiment, "PROGRESS_SECONDS", 0.0)
    cfg = compose_config("article_baseline", ["sim.replications=600", "sim.chunk_size=200",
                                              "sim.weeks=20"])
    with caplog.at_level(logging.INFO, logger="sim.experiment"):
        experiment.run(cfg, progress=False)
    lines = [r.getMessage() for r in caplog.records if "replications done" in r.getMessage()]
    assert lines and lines[-1].startswith("article_baseline: 600 of 600 replications done")
