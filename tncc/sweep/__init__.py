"""Design-space sweeps: many ``tncc run`` configurations at once, on Dask.

``tncc sweep SPEC.toml --out DIR`` expands a spec (:mod:`tncc.sweep.spec`)
into points -- workload x architecture parameters x order x objective --,
runs the points not yet in ``DIR`` as Dask tasks (:mod:`tncc.sweep.engine`,
each task :func:`tncc.sweep.point.run_point`), stores one record per point
as it finishes plus Parquet and CSV tables (:mod:`tncc.sweep.store`), and
summarises and plots the results (:mod:`tncc.sweep.report`).

    from tncc.sweep import run_sweep
    result = run_sweep("examples/buffer_sweep.toml", "sweep-out")
    result.rows          # one dict per point: swept values + every key of tncc run --json
"""

from tncc.sweep.runner import SweepResult, run_sweep
from tncc.sweep.spec import Point, Spec, load_spec

__all__ = ["Point", "Spec", "SweepResult", "load_spec", "run_sweep"]
