"""The ODD description (docs/ODD.md) and the code cannot drift apart.

- the ODD's seven elements are present, in order, followed by the section "Calibration, validation
  and verification" and then the references;
- every function registered in ``sim.rules.RULES`` has its own Submodels subsection, headed
  ``#### `sim.rules.<name>` — <title>`` with the registry's title, naming each of its quotes with
  the role the registry gives it (e.g. "Q01 (supports)") and each config key it reads;
- every ``sim.rules.<name>`` the document mentions is a registered rule, and every config key it
  names in backticks exists in the schema;
- every parameter the schema declares inert or aliased is listed under "Parameters and provenance",
  which names the six provenance classes;
- the document cites neither the design notes nor anything outside the project.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.config import KINDS, MODEL_GROUPS, iter_params
from sim.rules import RULES

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
SECTIONS = (
    "## 1. Purpose and patterns", "## 2. Entities, state variables and scales",
    "## 3. Process overview and scheduling", "## 4. Design concepts", "## 5. Initialization",
    "## 6. Input data", "## 7. Submodels",
)
CALIBRATION = "## 8. Calibration, validation and verification"
REFERENCES = "## References"
PROVENANCE_HEADING = re.compile(r"^### [\d.]* ?Parameters and provenance$", re.MULTILINE)
HEADING = re.compile(r"^#### `sim\.rules\.(\w+)`(.*)$", re.MULTILINE)
MENTION = re.compile(r"sim\.rules\.([a-z_]\w*)")  # functions (lower case), not RULES
KEY_GROUPS = ("sim", *MODEL_GROUPS)
KEY = re.compile(rf"`((?:{'|'.join(KEY_GROUPS)})\.[a-z_][a-z0-9_]*)`")
FORBIDDEN = tuple("DESIGN" + s for s in (".md", " §")) + ("../" + "shared",)  # the design notes


def _text() -> str:
    return ODD.read_text(encoding="utf-8")


def _flat(text: str) -> str:
    """``text`` with every run of whitespace (line breaks included) collapsed to one space."""
    return " ".join(text.split())


def _section(text: str, heading: str) -> str:
    """From ``heading`` (a ``## `` line) up to the next ``## `` heading."""
    start = text.index(heading)
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def _submodels(text: str | None = None) -> str:
    return _section(_text() if text is None else text, "## 7. Submodels")


def _subsections(text: str | None = None) -> dict[str, str]:
    body = _submodels(text)
    heads = list(HEADING.finditer(body))
    out = {}
    for head, nxt in zip(heads, [*heads[1:], None], strict=True):
        stop = nxt.start() if nxt else len(body)
        chunk = body[head.start():stop]
        out[head.group(1)] = chunk.split("\n### ")[0]  # up to the next group heading
    return out


def _provenance(text: str | None = None) -> str:
    """The Submodels subsection "Parameters and provenance" (to the end of Section 7)."""
    body = _submodels(text)
    head = PROVENANCE_HEADING.search(body)
    assert head, "Section 7 has no subsection 'Parameters and provenance'"
    return body[head.start():]


def _missing_roles(section: str, name: str) -> list[str]:
    """The ``"Qnn (role)"`` phrases of rule ``name`` that ``section`` does not contain.

    Line breaks in the Markdown source do not count: whitespace is collapsed first.
    """
    flat = _flat(section)
    return [f"{q} ({role})" for q, role in RULES[name].roles() if f"{q} ({role})" not in flat]


def test_odd_has_the_seven_elements_in_order() -> None:
    text = _text()
    positions = [text.index(s) for s in SECTIONS]
    assert positions == sorted(positions)


def test_calibration_validation_verification_follows_the_submodels() -> None:
    text = _text()
    assert CALIBRATION in text, "the section 'Calibration, validation and verification' is missing"
    assert text.index(SECTIONS[-1]) < text.index(CALIBRATION) < text.index(REFERENCES)
    section = _section(text, CALIBRATION)
    for part in ("### Calibration", "### Validation", "### Verification"):
        assert part in section, f"{part!r} missing from the calibration section"
    for command in ("`ceasefire-sim-calibrate`", "`ceasefire-sim-validate`",
                    "`seeds/calibration/fit.yaml`"):
        assert command in section, f"{command} not named in the calibration section"
    assert "no independent quantitative validation" in _flat(section)


def test_odd_cites_no_design_notes_or_outside_files() -> None:
    text = _text()
    found = [s for s in FORBIDDEN if s in text]
    assert not found, f"the ODD cites {found}"


def test_every_rule_has_a_submodel_subsection_with_its_registered_title() -> None:
    heads = HEADING.findall(_submodels())
    headed = [name for name, _ in heads]
    assert len(headed) == len(set(headed)), "a rule has two subsections"
    assert set(RULES) - set(headed) == set(), "rules missing from the ODD"
    wrong = {name: rest for name, rest in heads
             if name in RULES and rest != f" — {RULES[name].title}"}
    assert not wrong, f"subsection headings differ from the registry's titles: {wrong}"


def test_every_rule_the_odd_names_exists() -> None:
    named = set(MENTION.findall(_text()))
    assert named - set(RULES) == set(), "the ODD names functions that are not registered rules"
    assert {name for name, _ in HEADING.findall(_submodels())} <= set(RULES)


def test_every_config_key_the_odd_names_exists() -> None:
    keys = {key for key, _, _ in iter_params()}
    named = set(KEY.findall(_text()))
    assert named, "the pattern finds no config key at all"
    assert named - keys == set(), "the ODD names config keys the schema does not have"


@pytest.mark.parametrize("name", sorted(RULES))
def test_subsection_names_the_rule_quotes_with_roles_and_parameters(name: str) -> None:
    section = _subsections()[name]
    info = RULES[name]
    for quote in info.quotes:
        assert re.search(rf"\b{quote}\b", section), f"{name}: quote {quote} not in its subsection"
    missing = _missing_roles(section, name)
    assert not missing, f"{name}: quotes not named with their registered role: {missing}"
    for key in info.params:
        assert f"`{key}`" in section, f"{name}: parameter {key} not in its subsection"


def test_provenance_subsection_names_the_classes_and_every_inert_or_aliased_parameter() -> None:
    section = _provenance()
    for kind in KINDS:
        assert f"**{kind}**" in section, f"provenance class {kind!r} not explained"
    declared = {key: f.metadata["liveness"] for key, f, _ in iter_params()
                if f.metadata["liveness"]}
    assert declared, "the schema declares no inert or aliased parameter: update this test"
    missing = [key for key in declared if f"`{key}`" not in section]
    assert not missing, f"inert or aliased parameters not listed with their reason: {missing}"
