"""The ODD description (docs/ODD.md) and the rule registry cannot drift apart.

- every function registered in ``sim.rules.RULES`` has its own Submodels subsection, headed
  ``#### `sim.rules.<name>` ``, naming all the quote IDs and config keys it is registered with;
- every ``sim.rules.<name>`` the document mentions is a registered rule;
- the ODD's seven elements are present, in order.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.rules import RULES

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
SECTIONS = (
    "## 1. Purpose and patterns", "## 2. Entities, state variables and scales",
    "## 3. Process overview and scheduling", "## 4. Design concepts", "## 5. Initialization",
    "## 6. Input data", "## 7. Submodels",
)
HEADING = re.compile(r"^#### `sim\.rules\.(\w+)`", re.MULTILINE)
MENTION = re.compile(r"sim\.rules\.([a-z_]\w*)")  # functions (lower case), not RULES


def _text() -> str:
    return ODD.read_text(encoding="utf-8")


def _submodels() -> str:
    text = _text()
    start = text.index("## 7. Submodels")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _subsections() -> dict[str, str]:
    body = _submodels()
    heads = list(HEADING.finditer(body))
    out = {}
    for head, nxt in zip(heads, [*heads[1:], None], strict=True):
        stop = nxt.start() if nxt else len(body)
        chunk = body[head.start():stop]
        out[head.group(1)] = chunk.split("\n### ")[0]  # up to the next group heading
    return out


def test_odd_has_the_seven_elements_in_order() -> None:
    text = _text()
    positions = [text.index(s) for s in SECTIONS]
    assert positions == sorted(positions)


def test_every_rule_has_a_submodel_subsection() -> None:
    headed = [m.group(1) for m in HEADING.finditer(_submodels())]
    assert len(headed) == len(set(headed)), "a rule has two subsections"
    assert set(RULES) - set(headed) == set(), "rules missing from the ODD"


def test_every_rule_the_odd_names_exists() -> None:
    named = set(MENTION.findall(_text()))
    assert named - set(RULES) == set(), "the ODD names functions that are not registered rules"
    assert set(HEADING.findall(_submodels())) <= set(RULES)


@pytest.mark.parametrize("name", sorted(RULES))
def test_subsection_names_the_rule_quotes_and_parameters(name: str) -> None:
    section = _subsections()[name]
    info = RULES[name]
    for quote in info.quotes:
        assert re.search(rf"\b{quote}\b", section), f"{name}: quote {quote} not in its subsection"
    for key in info.params:
        assert f"`{key}`" in section, f"{name}: parameter {key} not in its subsection"
