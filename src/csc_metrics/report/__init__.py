"""The quarterly run (``csc-metrics run``): ingest, execute the report notebooks, publish HTML.

Modules: ``config`` (the run's parameters and their checks), ``kernels`` (pre-warmed Python
kernels), ``execute`` (one notebook through papermill), ``render`` (manager-facing HTML),
``landing`` (the index page), ``publish`` (lock, staging, manifest), ``privacy_check`` (raw
identifiers and small counts in the output) and ``runner`` (the steps in order).
"""
