"""Checking command-line overrides before Hydra composes anything.

Hydra reports an unknown key or a badly typed value in several lines of its own vocabulary; this
check catches the common mistakes first and says, in one line, which key, which value and what is
allowed, with a suggestion for a close miss ("did you mean ..."), including a preset name given to
a field (``us.role=air_backstop`` → ``us=air_backstop``). It also refuses what Hydra would accept
silently: a key given twice, an empty output folder, a list where one value is expected.

Hydra's own flags pass (``-m``, ``--cfg job``, ``-p PKG``, ``--info``, ``-sc``, ``--hydra-help``, …);
with ``--shell-completion`` nothing is checked (its arguments are not overrides). Each value of a
simple sweep (``a,b,c``) is checked like a single value; ``range(...)``, ``choice(...)`` and the
other sweep functions are left to the per-point validation, which reports them the same way.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Iterable
from typing import Any

from sim.config import Config, ConfigError, check_value
from sim.resources import conf_dir

_KEY = re.compile(r"^[A-Za-z_][\w.]*$")
_SWEEP_FUNCTION = re.compile(r"^\s*(range|choice|interval|glob|shuffle|sort|tag)\(")
# Hydra's flags that take a value (the next argument, or ``--flag=value``).
VALUE_FLAGS = frozenset({"-c", "--cfg", "-p", "--package", "-cp", "--config-path", "-cn",
                         "--config-name", "-cd", "--config-dir", "--experimental-rerun"})
INFO_FLAGS = frozenset({"-i", "--info"})
INFO_CHOICES = frozenset({"all", "config", "defaults", "defaults-tree", "plugins", "searchpath"})
COMPLETION_FLAGS = frozenset({"-sc", "--shell-completion"})
OUTPUT_DIRS = ("hydra.run.dir", "hydra.sweep.dir")
EXPERIMENT = "experiment"


def group_options(group: str) -> list[str]:
    """Names of the option files of a config group in ``conf/``."""
    folder = conf_dir() / group
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def _groups() -> list[str]:
    return sorted(f.name for f in dataclasses.fields(Config) if f.name != "name")


def _fields(group: str) -> dict[str, dataclasses.Field]:
    node = getattr(Config(), group, None)
    if node is None or not dataclasses.is_dataclass(node):
        return {}
    return {f.name: f for f in dataclasses.fields(node)}


def _all_keys() -> list[str]:
    return [f"{g}.{name}" for g in _groups() for name in _fields(g)]


def _close(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate (a near spelling, or the only one ``word`` begins), if any."""
    candidates = list(candidates)
    found = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    if found:
        return found[0]
    starts = [c for c in candidates if word and c.startswith(word)]
    return starts[0] if len(starts) == 1 else None


def _kind(f: dataclasses.Field) -> str:
    return f.type if isinstance(f.type, str) else f.type.__name__


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


def allowed_text(key: str) -> str:
    """What a key accepts, in words (for messages)."""
    if "." not in key:
        options = group_options(key)
        return f"one of {', '.join(options)}" if options else "a value"
    group, _, name = key.partition(".")
    f = _fields(group).get(name)
    if f is None:
        return "a value"
    kind = _kind(f)
    if f.metadata.get("choices"):
        return f"one of {', '.join(f.metadata['choices'])}"
    if kind == "bool":
        return "true or false"
    lo, hi = f.metadata.get("lo"), f.metadata.get("hi")
    noun = "a whole number" if kind == "int" else "a number"
    if lo is not None and hi is not None:
        return f"{noun} from {lo:g} to {hi:g}"
    return noun


def _split_sweep(value: str) -> list[str] | None:
    """The values of a simple sweep ``a,b,c`` (no brackets, quotes or functions); else ``None``."""
    if any(ch in value for ch in "[]{}()'\"") or "," not in value:
        return None
    return [v.strip() for v in value.split(",")]


def _check_group_option(key: str, value: str, prefix: str) -> None:
    options = group_options(key)
    for v in _split_sweep(value) or [value]:
        if v not in options:
            hint = _close(v, options)
            what = "an experiment" if key == EXPERIMENT else f"a {key} option"
            raise ConfigError(f"{prefix}{key}={v!r} is not {what}: choose one of "
                              f"{', '.join(options)}" + (f" (did you mean {prefix}{key}={hint}?)"
                                                         if hint else ""))


def _unknown_key(key: str) -> ConfigError:
    groups = _groups()
    group, dot, name = key.partition(".")
    if not dot:
        hint = _close(key, [*groups, "scenario"]) or _close(key, [k.split(".")[1] for k in
                                                                   _all_keys()])
        if hint and hint not in groups and hint != "scenario":
            hint = next(k for k in _all_keys() if k.endswith(f".{hint}"))
        return ConfigError(f"unknown key {key!r}: allowed groups are "
                           f"{', '.join([*groups, 'scenario'])} (set a field as group.field)"
                           + (f"; did you mean {hint}?" if hint else ""))
    fields = _fields(group)
    if not fields:
        hint = _close(group, groups)
        return ConfigError(f"unknown key {key!r}: {group!r} is not a group; allowed groups are "
                           f"{', '.join(groups)}"
                           + (f"; did you mean {hint}.{name}?" if hint else ""))
    hint = _close(name, fields)
    elsewhere = [k for k in _all_keys() if k.split(".", 1)[1] == name]
    suggestion = f"{group}.{hint}" if hint else (elsewhere[0] if elsewhere else None)
    return ConfigError(f"unknown key {key!r}: allowed keys in {group} are "
                       f"{', '.join(sorted(fields))}"
                       + (f"; did you mean {suggestion}?" if suggestion else ""))


def _check_field_value(key: str, f: dataclasses.Field, text: str) -> Any:
    """Parse and check one value of a field; return it typed."""
    kind = _kind(f)
    parsed = _parse_scalar(text, kind)
    if kind == "int" and isinstance(parsed, float) and parsed.is_integer():
        parsed = int(parsed)  # 1e6 is a whole number; check_value then checks its range
    if kind == "bool" and isinstance(parsed, str):
        raise ConfigError(f"{key}={text!r}: expected true or false")
    try:
        check_value(key, f, parsed)
    except ConfigError as err:
        choices = f.metadata.get("choices")
        if not choices or not isinstance(parsed, str):
            raise
        group = key.split(".", 1)[0]
        if parsed in group_options(group):
            raise ConfigError(f"{err}; did you mean {group}={parsed} (the {group} preset "
                              f"{parsed}, which sets {key} among others)?") from None
        hint = _close(parsed, choices)
        if hint:
            raise ConfigError(f"{err}; did you mean {key}={hint}?") from None
        raise
    return parsed


def check_override(arg: str) -> str:
    """Check one command-line override against the schema and the config groups.

    Returns:
        The override as Hydra should receive it: a whole number written as a float or in
        exponent form (``coalition.members=12.0``, ``sim.replications=1e5``) becomes the integer.

    Raises:
        ConfigError: naming the key, the value and what is allowed.
    """
    if not isinstance(arg, str):
        raise ConfigError(f"override {arg!r} is not text: write each override as 'key=value'")
    if arg.startswith("~"):
        key = arg[1:].split("=", 1)[0]
        if key.startswith("hydra"):
            return arg
        raise ConfigError(f"{arg}: a setting of the model cannot be deleted; set a value "
                          f"instead, e.g. {key}=VALUE ({allowed_text(key)})")
    prefix = "++" if arg.startswith("++") else "+" if arg.startswith("+") else ""
    body = arg[len(prefix):]
    if "=" not in body:
        if body.startswith("hydra"):
            return arg
        raise ConfigError(f"{arg!r} has no value: write {body}=VALUE ({allowed_text(body)})")
    key, value = body.split("=", 1)
    if key == "hydra" or key.startswith(("hydra.", "hydra/")):
        if key in OUTPUT_DIRS and not value.strip():
            raise ConfigError(f"{key} is empty: give a folder, e.g. {key}=outputs/my_run")
        return arg
    if "@" in key or "/" in key:
        return arg
    if not _KEY.match(key):
        raise ConfigError(f"{arg!r}: {key!r} is not a key (write group.field=value, e.g. "
                          "us.role=none)")
    if key == EXPERIMENT:
        if not prefix:
            raise ConfigError(f"{arg}: an experiment is added to the configuration: write "
                              f"+experiment={value}")
        _check_group_option(key, value, "+")
        return arg
    if "." not in key:
        if group_options(key):
            _check_group_option(key, value, prefix)
            return arg
        if key == "name":
            return arg
        if key in _groups():
            raise ConfigError(f"{key}={value!r}: {key} has no presets; set a field instead, "
                              f"e.g. {key}.<field>=...")
        raise _unknown_key(key)
    group, _, name = key.partition(".")
    fields = _fields(group)
    if name not in fields:
        raise _unknown_key(key)
    f = fields[name]
    stripped = value.strip()
    if stripped.startswith(("[", "{")):
        raise ConfigError(f"{key}={value!r} is a {'list' if stripped[0] == '[' else 'mapping'}: "
                          f"{key} takes one value, {allowed_text(key)}; to run several values, "
                          f"sweep them with -m: {key}=a,b")
    if _SWEEP_FUNCTION.search(value):
        return arg
    sweep = _split_sweep(value)
    values = [_check_field_value(key, f, v) for v in (sweep or [value])]
    if _kind(f) == "int":
        return f"{prefix}{key}={','.join(str(v) for v in values)}"
    return arg


def flags_first(args: Iterable[str]) -> list[str]:
    """The arguments with Hydra's flags (and their values) moved before the overrides.

    Hydra's parser reads the overrides as one run of positional arguments, so a flag after an
    override (``us.role=none,ground -m``) would end it; moving the flags first accepts any order.
    """
    args = list(args)
    flags: list[str] = []
    rest: list[str] = []
    take_value = False
    for i, arg in enumerate(args):
        if take_value:
            flags.append(arg)
            take_value = False
        elif arg.startswith("-"):
            flags.append(arg)
            flag = arg.split("=", 1)[0]
            take_value = "=" not in arg and (flag in VALUE_FLAGS or (
                flag in INFO_FLAGS and i + 1 < len(args) and args[i + 1] in INFO_CHOICES))
        else:
            rest.append(arg)
    return [*flags, *rest]


def _key_of(arg: str) -> str:
    body = arg.lstrip("~+")
    return body.split("=", 1)[0]


def check_overrides(args: Iterable[str]) -> list[str]:
    """Check the command-line arguments; return them as Hydra should receive them.

    Flags (and the values of flags that take one) pass unchanged; every override is checked
    (:func:`check_override`), and a key given twice is refused.

    Raises:
        ConfigError: on the first bad override, naming the key, the value and what is allowed.
    """
    args = list(args)
    if any(a in COMPLETION_FLAGS for a in args):
        return args
    out: list[str] = []
    seen: dict[str, str] = {}
    skip_next = False
    for i, arg in enumerate(args):
        if skip_next:
            skip_next = False
            out.append(arg)
            continue
        if arg.startswith("-"):
            flag = arg.split("=", 1)[0]
            takes_value = flag in VALUE_FLAGS or (
                flag in INFO_FLAGS and i + 1 < len(args) and args[i + 1] in INFO_CHOICES)
            skip_next = takes_value and "=" not in arg
            out.append(arg)
            continue
        checked = check_override(arg)
        key = _key_of(arg)
        if key in seen:
            raise ConfigError(f"{key} is given twice ({seen[key]}, {arg}): give each key once")
        seen[key] = arg
        out.append(checked)
    return out
