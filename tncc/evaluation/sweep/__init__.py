"""Design-space sweeps: many ``tncc run`` configurations at once, on Dask.

``tncc sweep SPEC.toml --out DIR`` expands a spec (:mod:`tncc.evaluation.sweep.spec`)
into points -- workload x architecture parameters x order x objective --,
runs the points not yet in ``DIR`` as Dask tasks (:mod:`tncc.evaluation.sweep.engine`,
each task :func:`tncc.evaluation.sweep.point.run_point`), stores one record per point
as it finishes plus Parquet and CSV tables (:mod:`tncc.evaluation.sweep.store`), and
summarises and plots the results (:mod:`tncc.evaluation.sweep.report`).

    from tncc.evaluation.sweep import run_sweep
    result = run_sweep("examples/buffer_sweep.toml", "sweep-out")
    result.rows          # one dict per point: swept values + every key of tncc run --json
"""

from tncc.evaluation.sweep.runner import SweepResult, run_sweep
from tncc.evaluation.sweep.spec import Point, Spec, load_spec

__all__ = ["Point", "Spec", "SweepResult", "load_spec", "run_sweep"]
