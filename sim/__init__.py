"""ceasefire-sim: a transparent what-if simulator of ceasefires and security guarantees.

The stances in one news article (``seeds/article.txt``) become explicit rules for Mesa agents.
Start with :func:`sim.api.run_scenario` or the ``ceasefire-sim`` command.

Importing ``sim`` registers the typed schema with Hydra's ConfigStore (as ``base_config``), so
Hydra's compose API works from any folder::

    from hydra import compose, initialize_config_dir
    import sim

    with initialize_config_dir(config_dir=str(sim.conf_dir()), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["scenario=no_force"])
"""

from importlib.metadata import PackageNotFoundError, version

from sim.config import register_configs
from sim.resources import conf_dir

try:
    __version__ = version("ceasefire-sim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

__all__ = ["__version__", "conf_dir", "run_scenario"]

register_configs()


def run_scenario(*args, **kwargs):
    """Run a scenario; see :func:`sim.api.run_scenario`."""
    from sim.api import run_scenario as _run

    return _run(*args, **kwargs)
