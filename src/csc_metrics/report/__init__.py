"""The quarterly run (``csc-metrics run``): ingest, execute the report notebooks, publish HTML.

Modules: ``config`` (the run's parameters and their checks), ``kernels`` (pre-warmed Python
kernels), ``execute`` (one notebook through papermill), ``render`` (manager-facing HTML),
``landing`` (the index page), ``publish`` (lock, staging, manifest), ``privacy_check`` (raw
identifiers and small counts in the output) and ``runner`` (the steps in order).
"""

import sys

# nbformat validates notebooks with jsonschema, which imports its optional IRI format checker,
# ``rfc3987_syntax``, when it is itself imported. That module compiles about 35 Lark grammars
# at import: 1 to 3 seconds of every run, for a string format no notebook schema uses
# (python-jsonschema/jsonschema#1428). Marked absent here, before anything of the run imports
# nbformat, jsonschema leaves out that one checker and validates notebooks exactly as before.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
