"""Evaluation: what researchers measure the compiler with, on top of it.

* :mod:`~tncc.evaluation.compare` runs one program under many configurations
  (architecture x order), :mod:`~tncc.evaluation.compare_format` prints and
  plots the result, :mod:`~tncc.evaluation.api` is the notebook side
  (:func:`tncc.comparison`, :func:`tncc.to_dataframe`);
* :mod:`~tncc.evaluation.metrics` reads a run report as named figures,
  :mod:`~tncc.evaluation.training` splits work into forward and backward
  passes, :mod:`~tncc.evaluation.planning` maps the named orders
  (``csse``, ``flops``, ``naive``) onto the order search;
* :mod:`~tncc.evaluation.viz` draws networks and plans (Graphviz DOT);
* :mod:`~tncc.evaluation.workloads` generates the workload families' programs;
* :mod:`~tncc.evaluation.sweep` runs design-space sweeps on Dask.

Nothing in the compiler (front end, IR, passes, ISA, runtime) imports this
package; the command line (:mod:`tncc.cli`), the benchmarks and the lazy
names of :mod:`tncc` do (``tests/test_layers.py`` holds the rule).
"""
