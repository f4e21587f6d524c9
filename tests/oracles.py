"""Test oracles shared by several test files (a plain module, not a conftest)."""

from __future__ import annotations

from typing import Any

import numpy as np


def hazard_pseudo_values(records: Any) -> np.ndarray:
    """Per-replication values per 100 ceasefire-weeks whose mean is the pooled hazard
    r = Σe/Σw: r + (e_i − r·w_i)/mean(w) (the ratio's linearisation)."""
    e = records["ceasefire_failures"].to_numpy(float)
    w = records["ceasefire_weeks"].to_numpy(float)
    r = e.sum() / w.sum()
    return 100 * (r + (e - r * w) / w.mean())
