"""Named, counter-based random streams shared by both engines.

Each uniform is a fixed function of ``(replication key, process, week, index)``: a SplitMix64
integer hash computed with numpy ``uint64`` arithmetic (the counter-based idea behind Philox and
Threefry; Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"). So:

- a replication's numbers do not depend on which engine, chunk or worker process runs it;
- each stochastic process has its own stream, so changing one lever never shifts the numbers
  another process draws (common random numbers across scenarios);
- drawing for 100,000 replications at once costs a few vectorised integer operations, with no
  Python call per replication.

The base seed is expanded with ``numpy.random.SeedSequence`` into a 64-bit scenario key; replication
keys are hashes of that key and the replication index.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

# One stream per stochastic process. The numbers are identities, not tunable parameters: changing
# one changes every result.
TALKS = 1  # index 0: a round of talks is proposed; 1: the venue is Moscow
ACCEPTANCE = 2  # index 0: Russia (ceasefire); 1: Ukraine (ceasefire); 2: Russia (terms)
BATTLEFIELD = 3  # index 0: momentum shock; 1: territorial noise (both standard normal)
CEASEFIRE = 4  # index 0: Russia renews the war (collapse or breakdown)
VIOLATIONS = 5  # index 0: Poisson count of violations
STRIKES = 6  # index 0: a strike on the force; 1: the strike escalates
US_FORM = 7  # week 0, index 0: the form the US backing takes (air support or intelligence)
PLEDGES = 8  # week 0, index i: size of member i's pledge
RESOLVE = 9  # week 0, index i: member i's initial resolve
COHESION = 10  # week t, index i: member i's share of the resolve shock after a strike
REFERENDUM = 11  # index 0: the vote on the terms

PROCESS_NAMES = {
    TALKS: "talks", ACCEPTANCE: "acceptance", BATTLEFIELD: "battlefield", CEASEFIRE: "ceasefire",
    VIOLATIONS: "violations", STRIKES: "strikes", US_FORM: "us_form", PLEDGES: "pledges",
    RESOLVE: "resolve", COHESION: "cohesion", REFERENDUM: "referendum",
}

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_K_PROCESS = np.uint64(0xD6E8FEB86659FD93)
MAX_INDEX = 64  # draws per process and week: positions week·64 + index in the stream
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 2.0**-53


def _mix(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """SplitMix64 finaliser (Stafford's mix13), elementwise; returns a new array.

    Written with in-place operations on one scratch array: the same arithmetic as
    ``x ^= x >> 30; x *= M1; x ^= x >> 27; x *= M2; x ^= x >> 31`` with fewer temporaries.
    """
    out = x ^ (x >> _S30)
    scratch = np.empty_like(out)
    np.multiply(out, _M1, out=out)
    np.right_shift(out, _S27, out=scratch)
    np.bitwise_xor(out, scratch, out=out)
    np.multiply(out, _M2, out=out)
    np.right_shift(out, _S31, out=scratch)
    np.bitwise_xor(out, scratch, out=out)
    return out


def _to_unit(x: NDArray[np.uint64]) -> NDArray[np.float64]:
    """Uniforms on (0, 1) from the top 53 bits of 64-bit hashes."""
    # The shifted values are below 2**53, so the int64 view converts exactly (and faster).
    out = (x >> _S11).view(np.int64).astype(np.float64)
    out += 0.5
    out *= _TO_UNIT
    return out


def scenario_key(seed: int) -> np.uint64:
    """Expand a base seed into a 64-bit key with ``numpy.random.SeedSequence``."""
    return np.random.SeedSequence(seed).generate_state(1, dtype=np.uint64)[0]


def replication_keys(seed: int, replications: ArrayLike) -> NDArray[np.uint64]:
    """Keys of the given replication indices (0-based) under a base seed.

    The key is the replication's seed: it alone determines every number the replication draws.
    """
    reps = np.asarray(replications, dtype=np.uint64)
    base = np.full(reps.shape, scenario_key(seed), dtype=np.uint64)
    return _mix(base + (reps + np.uint64(1)) * _GOLDEN)


def _process_constant(process: int) -> np.uint64:
    return np.uint64((int(process) * int(_K_PROCESS)) % 2**64)


def _counters(weeks: ArrayLike, indices: ArrayLike) -> NDArray[np.uint64]:
    """The SplitMix64 increments of (week, index): ``(week · 64 + index + 1) · golden``."""
    w = np.asarray(weeks, dtype=np.uint64).reshape(-1, 1)
    i = np.asarray(indices, dtype=np.uint64).reshape(1, -1)
    if i.size and int(i.max()) >= MAX_INDEX:
        raise ValueError(f"stream index must be below {MAX_INDEX}")
    return (w * np.uint64(MAX_INDEX) + i + np.uint64(1)) * _GOLDEN


def raw(
    keys: NDArray[np.uint64], process: int, weeks: ArrayLike, indices: ArrayLike
) -> NDArray[np.uint64]:
    """64-bit hashes of shape ``(len(keys), len(weeks), len(indices))``.

    The replication key and the process are hashed into a stream key; each (week, index) is then
    a position in the SplitMix64 sequence of that key (Steele et al. 2014), one mix per draw.
    """
    kp = _mix(np.asarray(keys, dtype=np.uint64) ^ _process_constant(process))
    return _mix(kp[:, None, None] + _counters(weeks, indices)[None, :, :])


def columns(processes: ArrayLike, indices: ArrayLike) -> tuple[NDArray, NDArray]:
    """Per-column constants for :func:`table`: one column per ``(process, index)`` pair."""
    pc = np.array([_process_constant(p) for p in processes], dtype=np.uint64)
    idx = np.asarray(indices, dtype=np.uint64)
    if idx.size and int(idx.max()) >= MAX_INDEX:
        raise ValueError(f"stream index must be below {MAX_INDEX}")
    return pc, idx + np.uint64(1)


def keyed(keys: NDArray[np.uint64], pc: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Stream keys of every (replication, column): shape (n, c). Compute once per batch."""
    return _mix(np.asarray(keys, dtype=np.uint64)[:, None] ^ pc[None, :])


def table(kp: NDArray[np.uint64], weeks: ArrayLike, ic: NDArray[np.uint64]) -> NDArray[np.float64]:
    """Uniforms for many ``(process, index)`` columns at once: shape (n, len(weeks), c).

    Equal elementwise to :func:`uniforms` for each column; ``kp`` comes from :func:`keyed` and
    ``ic`` from :func:`columns`.
    """
    w = np.asarray(weeks, dtype=np.uint64).reshape(1, -1, 1) * np.uint64(MAX_INDEX)
    return _to_unit(_mix(kp[:, None, :] + (w + ic[None, None, :]) * _GOLDEN))


def at(kp: NDArray[np.uint64], week: int, ic: int) -> NDArray[np.float64]:
    """Uniforms of one ``(process, index)`` column at one week for the given stream keys.

    Equal elementwise to :func:`table` (``kp`` is that column of :func:`keyed`, ``ic`` its entry of
    :func:`columns`). Working on one column of the rows that need it keeps temporaries small.
    """
    step = np.uint64(((week * MAX_INDEX + int(ic)) * int(_GOLDEN)) % 2**64)
    return _to_unit(_mix(kp + step))


def uniforms(
    keys: NDArray[np.uint64], process: int, weeks: ArrayLike, indices: ArrayLike
) -> NDArray[np.float64]:
    """Uniforms on the open interval (0, 1), shape ``(len(keys), len(weeks), len(indices))``."""
    return _to_unit(raw(keys, process, weeks, indices))


def normal_pair(u1: NDArray[np.float64], u2: NDArray[np.float64]
                ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Two independent standard normals from two uniforms on (0, 1) (Box–Muller).

    The cosine and sine of the angle are taken in single precision: numpy's vectorised float32
    kernels are about twenty times faster than its double-precision ones here, and the normals
    stay accurate to about 1e-7, far below anything the model resolves. Both engines call this on
    contiguous 1-D arrays, so every element is evaluated the same way.
    """
    radius = np.sqrt(-2.0 * np.log(u1))
    angle = ((2.0 * np.pi) * u2).astype(np.float32)
    return (radius * np.cos(angle).astype(np.float64),
            radius * np.sin(angle).astype(np.float64))


def poisson_cdf(lam: float) -> NDArray[np.float64]:
    """Cumulative Poisson probabilities P(N ≤ k), k = 0, 1, ..., until the tail is negligible.

    Each probability is summed from its logarithm (``k log λ − λ − log k!``), which stays accurate
    for large means where ``e^−λ`` itself would underflow; the table depends only on ``lam``, so
    every caller inverts the same numbers.
    """
    # The mass beyond lam + 12·sqrt(lam) + 30 is negligible for any mean.
    top = int(np.ceil(lam + 12.0 * np.sqrt(lam) + 30.0))
    if lam <= 0.0:
        return np.ones(top + 1)
    k = np.arange(top + 1)
    log_pmf = k * math.log(lam) - lam - np.array([math.lgamma(i + 1.0) for i in k])
    return np.minimum(np.cumsum(np.exp(log_pmf)), 1.0)


def poisson_from_table(u: NDArray[np.float64], cdf: NDArray[np.float64]) -> NDArray[np.int64]:
    """Poisson counts by inversion of uniforms ``u``: the smallest k with P(N ≤ k) ≥ u.

    ``cdf`` is a table from :func:`poisson_cdf`, computed once per run.
    """
    return np.searchsorted(cdf, u, side="left").astype(np.int64)


def poisson(u: NDArray[np.float64], lam: float) -> NDArray[np.int64]:
    """Poisson counts by inversion of uniforms ``u`` (builds the table; see above)."""
    return poisson_from_table(u, poisson_cdf(lam))
