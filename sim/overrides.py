"""Checking command-line overrides before Hydra composes anything.

Hydra reports an unknown key or a badly typed value in several lines of its own vocabulary; this
check catches the common mistakes first and says, in one line, which key, which value and what is
allowed. Sweep values (``a,b,c``, ``range(...)``, ``choice(...)``) are left to the per-job
validation, which reports them the same way.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from sim.config import Config, ConfigError, check_value
from sim.resources import conf_dir

_OVERRIDE = re.compile(r"^(?P<key>[A-Za-z_][\w.]*)=(?P<value>.*)$", re.DOTALL)
_SWEEP = re.compile(r"^\s*(range|choice|interval|glob|shuffle|sort|tag)\(|,")


def group_options(group: str) -> list[str]:
    """Names of the option files of a config group in ``conf/``."""
    folder = conf_dir() / group
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def _parse_scalar(text: str, kind: str) -> Any:
    low = text.strip().lower()
    if kind == "bool":
        if low in ("true", "false"):
            return low == "true"
        return text
    if kind in ("int", "float"):
        try:
            return int(low) if kind == "int" and re.fullmatch(r"[+-]?\d+", low) else float(low)
        except ValueError:
            return text
    return text.strip().strip("'\"")


def check_override(arg: str) -> str:
    """Check one ``key=value`` override against the schema and the config groups.

    Returns:
        The override as Hydra should receive it: a whole number written as a float or in
        exponent form (``coalition.members=12.0``, ``sim.replications=1e5``) becomes the integer.

    Raises:
        ConfigError: naming the key, the value and what is allowed.
    """
    m = _OVERRIDE.match(arg)
    if not m or m["key"].startswith("hydra"):
        return arg
    key, value = m["key"], m["value"]
    if _SWEEP.search(value):
        return arg
    groups = {f.name for f in dataclasses.fields(Config) if f.name != "name"}
    if "." not in key:
        options = group_options(key)
        if options:
            if value not in options:
                raise ConfigError(f"{key}={value!r} is not a {key} option: choose one of "
                                  f"{', '.join(options)}")
            return arg
        if key == "name":
            return arg
        if key in groups:
            raise ConfigError(f"{key}={value!r}: {key} has no presets; set a field instead, "
                              f"e.g. {key}.<field>=...")
        raise ConfigError(f"unknown key {key!r}: allowed groups are "
                          f"{', '.join(sorted(groups | {'scenario'}))} (set a field as group.field)")
    group, _, field_name = key.partition(".")
    node = getattr(Config(), group, None)
    if node is None or not dataclasses.is_dataclass(node):
        raise ConfigError(f"unknown key {key!r}: {group!r} is not a group; allowed groups are "
                          f"{', '.join(sorted(groups))}")
    fields = {f.name: f for f in dataclasses.fields(node)}
    if field_name not in fields:
        raise ConfigError(f"unknown key {key!r}: allowed keys in {group} are "
                          f"{', '.join(sorted(fields))}")
    f = fields[field_name]
    kind = f.type if isinstance(f.type, str) else f.type.__name__
    parsed = _parse_scalar(value, kind)
    if kind == "int" and isinstance(parsed, float) and parsed.is_integer():
        parsed = int(parsed)  # 1e6 is a whole number; check_value then checks its range
    if kind == "bool" and isinstance(parsed, str):
        raise ConfigError(f"{key}={value!r}: expected true or false")
    check_value(key, f, parsed)
    if kind == "int" and isinstance(parsed, int):
        return f"{key}={parsed}"
    return arg


def check_overrides(args: Iterable[str]) -> list[str]:
    """Check every ``key=value`` argument (flags and Hydra's own keys are skipped); return the
    arguments as Hydra should receive them (see :func:`check_override`)."""
    return [arg if arg.startswith("-") else check_override(arg) for arg in args]
