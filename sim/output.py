"""Writing a run's results folder: tables, figures, rulebook and manifest.

Every file is written to a temporary name and renamed into place, and ``manifest.json`` is written
last: a folder without a manifest is not a finished run (resume and aggregation rely on this). No
file carries a timestamp, so the same config and seed give the same bytes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import yaml

from sim import __version__, resources, rulebook
from sim.config import to_dict

if TYPE_CHECKING:
    import pandas as pd

    from sim.experiment import Results

MANIFEST = "manifest.json"
FIGURES = ("outcomes", "survival", "phase_shares", "paths")


TMP_SUFFIX = ".tmp"


class OutputError(OSError):
    """A results file cannot be written; the message names the path and the reason."""


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename.

    The temporary file is ``.<name>.<random>.tmp`` with the process's normal permissions (the
    umask applies, as for any file the user creates); a write that fails removes it, and
    :func:`clean_temporary` removes those a killed process left behind.

    Raises:
        OutputError: naming the path and why it cannot be written (a read-only or missing
            folder, a file where a folder should be, a full disk).
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_writer(path) as fh:
        fh.write(raw)


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through, streamed: the :func:`atomic_write` contract.

    ``path`` appears, complete, only when the ``with`` block ends without an exception.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}{TMP_SUFFIX}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    except OSError as err:
        _discard(tmp)
        reason = err.strerror or type(err).__name__
        raise OutputError(err.errno, f"cannot write {path}: {reason}") from err
    except BaseException:
        _discard(tmp)
        raise


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def clean_temporary(folder: Path) -> list[Path]:
    """Remove temporary files a killed write left in ``folder`` and its ``figures/``."""
    removed = []
    for sub in (Path(folder), Path(folder) / "figures"):
        if sub.is_dir():
            for tmp in sub.glob(f".*{TMP_SUFFIX}"):
                tmp.unlink(missing_ok=True)
                removed.append(tmp)
    return removed


FLOAT_FORMATS = {"records": "%.10g", "summary": "%.6g", "paths": "%.6g", "survival": "%.6g"}
"""Significant digits written per table (floats beyond them are sampling noise)."""


def csv_text(df: pd.DataFrame, float_format: str, exact: Sequence[str] = ()) -> str:
    """``df`` as CSV text that reads back with the same column types.

    Floats are written with ``float_format``, except the ``exact`` columns (e.g. a design's
    sampled values), written in full (the shortest text that reads back as the same number). A
    float column whose values are all whole numbers (all zeros, say) is written with one decimal
    (``0.0``), so that ``pandas.read_csv`` reads it as a float column, as the Parquet files store
    it, and not as integers. Missing values are empty fields; other values are written as
    ``str`` gives them, quoted as the ``csv`` module does (the text ``DataFrame.to_csv`` writes,
    about five times faster: a design sweep writes three tables per point).
    """
    import csv
    import io

    import numpy as np

    columns = []
    for col in df.columns:
        values = df[col]
        if values.dtype.kind == "f":
            raw = values.to_numpy()
            finite = raw[np.isfinite(raw)]
            if col in exact:
                text = [repr(v) if math.isfinite(v) else "" for v in raw.tolist()]
            else:
                fmt = (float_format if not len(finite) or np.any(finite != np.round(finite))
                       else "%.1f")
                text = ["" if math.isnan(v) else fmt % v for v in raw.tolist()]
        else:
            text = [str(v) for v in values.tolist()]
            missing = values.isna().to_numpy()
            if missing.any():
                text = ["" if gone else t for gone, t in zip(missing.tolist(), text, strict=True)]
        columns.append(text)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([str(c) for c in df.columns])
    writer.writerows(zip(*columns, strict=True))
    return buf.getvalue()


def _csv(df: pd.DataFrame, kind: str) -> str:
    return csv_text(df, FLOAT_FORMATS[kind])


def parquet_bytes(df: pd.DataFrame) -> bytes:
    """``df`` as Parquet bytes (no index; the same bytes for the same frame).

    Built from the frame's columns as Arrow arrays: pandas' own conversion spends about 13 ms
    on its metadata for a frame of 15,625 records, three times the writing, and a design sweep
    writes one such file per point. The columns read back with the same types; dictionary
    encoding only for text (:func:`text_columns`)."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({str(col): pa.array(df[col].to_numpy() if df[col].dtype.kind in "biuf"
                                         else df[col].array) for col in df.columns})
    buf = io.BytesIO()
    pq.write_table(table, buf, use_dictionary=text_columns(table.schema))
    return buf.getvalue()


def text_columns(schema: Any) -> list[str]:
    """The text columns of an Arrow schema: the only ones worth dictionary encoding in Parquet
    (for numbers it costs a third of the writing time and saves about 1%)."""
    import pyarrow as pa

    return [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]


def read_parquet(path: Path, columns: Sequence[str] | None = None) -> Any:
    """A Parquet file (or some of its columns) as an Arrow table, read through
    ``pyarrow.parquet.ParquetFile``: the same table as ``pq.read_table``, sooner (a sweep reads
    one file per point)."""
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as stored:
        return stored.read(columns=list(columns) if columns is not None else None)


def dump_yaml(data: Any) -> str:
    """YAML text of plain data, keys in their order (libyaml's emitter when available)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True)


RECORDS_FORMATS = ("csv", "parquet")


@functools.cache
def git_commit() -> str | None:
    """The git commit of the source tree the package runs from, if it is a git checkout.

    Asked once per process (a sweep writes hundreds of manifests): the code a process runs is
    the code it imported, whatever is committed later."""
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def figures(results: Results) -> dict[str, Any]:
    """The standard figures of a run, by name (matplotlib is imported only here)."""
    from sim import plots

    s = results.summary
    cap = plots.caption(s["scenario"], s["replications"], s["seed"])
    return {
        "outcomes": plots.plot_outcomes(s, cap),
        "survival": plots.plot_survival(results.survival, cap),
        "phase_shares": plots.plot_phase_shares(results.paths, cap),
        "paths": plots.plot_paths(results.paths, cap),
    }


def write_results(results: Results, outdir: Path, overrides: Sequence[str] = (),
                  records_format: str = "csv") -> Path:
    """Write every results file of a run into ``outdir``; ``manifest.json`` last.

    Args:
        results: The run.
        outdir: The results folder.
        overrides: The command-line overrides, recorded in the manifest.
        records_format: ``"csv"`` (``records.csv``) or ``"parquet"`` (``records.parquet``, the
            same columns and types; what the points of a design sweep write).

    Returns:
        The path of the manifest.
    """
    if records_format not in RECORDS_FORMATS:
        raise ValueError(f"records_format={records_format!r}: choose one of {RECORDS_FORMATS}")
    outdir = Path(outdir)
    cfg = results.config
    written: dict[str, bytes] = {}
    # A folder without a manifest is not a finished run: drop an old one before the first byte of
    # new results, and what a killed write left behind.
    try:
        (outdir / MANIFEST).unlink(missing_ok=True)
        clean_temporary(outdir)
    except OSError as err:
        raise OutputError(err.errno, f"cannot write {outdir}: {err.strerror or err}") from err

    def put(name: str, data: bytes | str) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        atomic_write(outdir / name, raw)
        written[name] = raw

    from sim import metrics  # pandas and friends: only when results are written

    put("config.yaml", dump_yaml(to_dict(cfg)))
    put("summary.json", json.dumps(results.summary, indent=2, ensure_ascii=False) + "\n")
    put("summary.csv", _csv(metrics.summary_table(results.summary), "summary"))
    put("summary.txt", metrics.format_summary(results.summary) + "\n")
    if records_format == "parquet":
        put("records.parquet", parquet_bytes(results.records))
    else:
        put("records.csv", _csv(results.records, "records"))
    put("paths.csv", _csv(results.paths, "paths"))
    put("survival.csv", _csv(results.survival, "survival"))
    put("rulebook.md", rulebook.to_markdown(cfg))
    if cfg.sim.figures:
        for name, fig in figures(results).items():
            from sim.plots import save_figure

            path = save_figure(fig, outdir / "figures" / f"{name}.png")
            written[f"figures/{name}.png"] = Path(path).read_bytes()

    manifest = {
        "scenario": cfg.name,
        "seed": cfg.sim.seed,
        "replications": cfg.sim.replications,
        "weeks": cfg.sim.weeks,
        "engine": cfg.sim.engine,
        "overrides": list(overrides),
        "package_version": __version__,
        "git_commit": git_commit(),
        "article_sha256": resources.article_sha256(),
        "files": {name: hashlib.sha256(raw).hexdigest() for name, raw in sorted(written.items())},
        "complete": True,
    }
    atomic_write(outdir / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return outdir / MANIFEST


def is_complete(outdir: Path) -> bool:
    """Whether ``outdir`` holds a finished run: a manifest whose listed files all match."""
    path = Path(outdir) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not manifest.get("complete"):
        return False
    for name, digest in manifest.get("files", {}).items():
        f = Path(outdir) / name
        if not f.is_file() or hashlib.sha256(f.read_bytes()).hexdigest() != digest:
            return False
    return True
