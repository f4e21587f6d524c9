"""Where the project's data folders are: ``conf/`` and ``seeds/``.

In a source checkout (including an editable install) they sit next to the ``sim`` package; in a
wheel they are packaged inside it as ``sim/conf`` and ``sim/seeds``.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _locate(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the {name}/ folder next to or inside {_PACKAGE}")


def conf_dir() -> Path:
    """The Hydra config folder."""
    return _locate("conf")


def seeds_dir() -> Path:
    """The folder holding the article and the quote catalogue."""
    return _locate("seeds")


def article_path() -> Path:
    """The source article."""
    return seeds_dir() / "article.txt"


@cache
def article_text() -> str:
    """The source article's text."""
    return article_path().read_text(encoding="utf-8")


def article_sha256() -> str:
    """SHA-256 of the article file's bytes."""
    return hashlib.sha256(article_path().read_bytes()).hexdigest()


@cache
def quotes() -> dict[str, str]:
    """The quote catalogue: ID → verbatim text."""
    import yaml

    data = yaml.safe_load((seeds_dir() / "quotes.yaml").read_text(encoding="utf-8"))
    return {q["id"]: q["text"] for q in data["quotes"]}
