"""Shared pieces of the console scripts: one error contract for every entry point.

Every console script answers bad input with a single line ``error: …`` on standard error naming
what was wrong and what is allowed, and exit code 2, with no traceback (the README's "Errors").
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

EXIT_BAD_INPUT = 2


def fail(message: str) -> NoReturn:
    """Print one ``error:`` line and exit with code 2."""
    print(f"error: {' '.join(str(message).split())}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one ``error:`` line (no usage block), exit code 2."""

    def error(self, message: str) -> NoReturn:
        """Report a bad argument in one line."""
        fail(f"{message} (see {self.prog} --help)")
