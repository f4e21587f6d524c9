"""A point's results folder: is it complete, did it fail; failure records.

A finished point holds a complete results folder (:mod:`sim.output`: ``manifest.json`` written last,
listing its overrides and every file's checksum). A point that could not run holds ``error.json``
instead: its overrides, the error's type and message and the traceback. Resume skips a point whose
folder is complete for the same overrides; everything else is computed again.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim import output

log = logging.getLogger(__name__)
ERROR_FILE = "error.json"


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from ``path``, or ``None`` if missing or unreadable."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def already_done(folder: Path, overrides: Sequence[str]) -> bool:
    """Whether ``folder`` holds complete results of these same overrides."""
    if not output.is_complete(folder):
        return False
    manifest = read_json(Path(folder) / output.MANIFEST) or {}
    return manifest.get("overrides") == list(overrides)


def has_failure(folder: Path, overrides: Sequence[str]) -> bool:
    """Whether ``folder`` holds a failure record of these same overrides."""
    error = read_json(Path(folder) / ERROR_FILE)
    return error is not None and error.get("overrides") == list(overrides)


def record_failure(folder: Path, point: int, overrides: Sequence[str], err: BaseException,
                   *, block: int | None = None) -> None:
    """Write ``error.json`` for a point that failed (and drop stale results of other overrides).

    A one-line ``error: point N (...)`` goes to stderr and the log; the sweep goes on.
    """
    record = {
        "point": point,
        "block": block,
        "overrides": list(overrides),
        "error_type": type(err).__name__,
        "message": str(err),
        "traceback": "".join(traceback.format_exception(err)),
    }
    (Path(folder) / output.MANIFEST).unlink(missing_ok=True)
    output.atomic_write(Path(folder) / ERROR_FILE, json.dumps(record, indent=2) + "\n")
    print(f"error: point {point} ({folder}): {err}", file=sys.stderr)
    log.error("point %d failed (%s): %s", point, type(err).__name__, err)


def clear_failure(folder: Path) -> None:
    """Remove a stale ``error.json`` once the point has complete results."""
    (Path(folder) / ERROR_FILE).unlink(missing_ok=True)
