"""ceasefire-sim: a transparent what-if simulator of ceasefires and security guarantees.

The stances in one news article (``seeds/article.txt``) become explicit rules for Mesa agents.
Start with :func:`sim.api.run_scenario` or the ``ceasefire-sim`` command.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ceasefire-sim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

__all__ = ["__version__", "run_scenario"]


def run_scenario(*args, **kwargs):
    """Run a scenario; see :func:`sim.api.run_scenario`."""
    from sim.api import run_scenario as _run

    return _run(*args, **kwargs)
