"""The results folder of a sweep.

::

    OUT/points/<key>.json   one record per finished point, written atomically by
                            the worker that ran it (the key is the point's hash)
    OUT/workloads/*.tn      the generated programs the workers read
    OUT/results.parquet     every point of the spec, one row each (pyarrow)
    OUT/results.csv         the same table as CSV

A record is ``{"key", "status", "error", "point", "report", "seconds",
"host", "pid", "tncc"}``: ``status`` is ``ok`` (every output matched the
reference), ``mismatch``, ``error`` (the point could not be compiled or run;
``error`` says why) or ``lost`` (the worker running it died every time it
was tried); ``report`` is exactly the JSON ``tncc run --json`` writes for
that point.  The points folder is the truth: the tables are rebuilt from it,
and a sweep run again with the same folder skips every key it finds there
(except ``lost`` ones, which are tried again).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from tncc.errors import TnccError
from tncc.io import atomic_write_bytes, atomic_write_text

STATUSES = ("ok", "mismatch", "error", "lost")
RETRIED = ("lost",)  # statuses a rerun computes again


def points_dir(out: str | Path) -> Path:
    return Path(out) / "points"


def record_path(out: str | Path, key: str) -> Path:
    return points_dir(out) / f"{key}.json"


def write_record(out: str | Path, record: Mapping[str, Any]) -> None:
    """Store one point's record (atomically: readers see no file or all of it)."""
    folder = points_dir(out)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(record_path(out, record["key"]), json.dumps(record, indent=1, default=float) + "\n")


def read_record(out: str | Path, key: str) -> dict[str, Any] | None:
    """The record stored under ``key``, or None when there is none (or it is
    not a record this version wrote: it is then computed again)."""
    try:
        data = json.loads(record_path(out, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key or data.get("status") not in STATUSES:
        return None
    return data


def finished(out: str | Path, keys: Iterable[str], retry_failed: bool = False) -> dict[str, dict[str, Any]]:
    """Records of the ``keys`` already done (``lost`` ones, and with
    ``retry_failed`` the ``error`` ones, count as not done)."""
    skip = RETRIED + (("error",) if retry_failed else ())
    present = {p.stem for p in points_dir(out).glob("*.json")} if points_dir(out).is_dir() else set()
    out_records = {}
    for key in keys:
        if key in present:
            rec = read_record(out, key)
            if rec is not None and rec["status"] not in skip:
                out_records[key] = rec
    return out_records


def _flatten(d: Mapping[str, Any], prefix: str, row: dict[str, Any]) -> None:
    for k, v in d.items():
        name = f"{prefix}{k}"
        if isinstance(v, Mapping):
            _flatten(v, name + ".", row)
        elif isinstance(v, (list, tuple)):
            row[name] = json.dumps(v, default=float)  # lists (per-statement figures, spills) as JSON text
        else:
            row[name] = v


def table_rows(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One flat row per record: key, status, error, the point's swept values
    and arguments, then every key of its run report (nested keys dotted)."""
    rows = []
    for rec in records:
        row: dict[str, Any] = {"key": rec["key"], "status": rec["status"], "error": rec.get("error")}
        row.update(rec.get("point") or {})
        row["seconds"] = rec.get("seconds")
        _flatten(rec.get("report") or {}, "", row)
        rows.append(row)
    return rows


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    cols: dict[str, None] = {}
    for r in rows:
        cols.update(dict.fromkeys(r))
    return list(cols)


def to_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    cols = _columns(rows)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow(["" if r.get(c) is None else repr(r[c]) if isinstance(r.get(c), float) else r[c] for c in cols])
    return buf.getvalue()


def write_parquet(path: str | Path, rows: Sequence[Mapping[str, Any]]) -> None:
    """The rows as a Parquet table (column types inferred; a column whose
    values mix types is stored as text), written atomically."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise TnccError("the results table needs pyarrow, which is not installed: pip install 'tncc[sweep]'") from None
    arrays = {}
    for col in _columns(rows):
        values = [r.get(col) for r in rows]
        try:
            arrays[col] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays[col] = pa.array([None if v is None else str(v) for v in values], type=pa.string())
    table = pa.table(arrays)
    p = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, p)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise TnccError(f"{p}: cannot write: {exc.strerror}") from None


def write_tables(out: str | Path, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rebuild ``results.parquet`` and ``results.csv`` from ``records``; return the rows."""
    rows = table_rows(records)
    write_parquet(Path(out) / "results.parquet", rows)
    atomic_write_text(Path(out) / "results.csv", to_csv(rows))
    return rows


def write_workload(out: str | Path, name: str, text: str) -> Path:
    """A generated program under ``OUT/workloads`` (rewritten only when it differs)."""
    folder = Path(out) / "workloads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.tn"
    try:
        if path.read_text(encoding="utf-8") == text:
            return path
    except OSError:
        pass
    atomic_write_bytes(path, text.encode("utf-8"))
    return path
