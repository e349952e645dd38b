"""Generate the model documentation (``docs/model.md``) from the declarative model.

Everything except the hand-written intro (``model_doc_intro.md``) and limits
(``model_doc_limits.md``, both next to this module) is rendered from the definition itself: the
mechanism diagram (every arrow is checked against the right-hand side, `_diagram`), states,
intermediate expressions and ODEs as LaTeX (`_equations`, `_math`), the parameter and severity
tables with their provenance (`_tables`), and what the calibrated typical patients reach,
simulated untreated and with MSC (`_courses`, `_targets`). Regenerate with::

    python -m mscsim.report._model_doc docs/model.md

which replaces the file atomically (without an argument the page goes to stdout).

The page is deterministic, so ``tests/model/test_model_docs.py`` requires the committed file to
equal the generator's output.
"""

from mscsim.report._model_doc._page import model_markdown as model_markdown
from mscsim.report._model_doc._page import write_model_doc as write_model_doc

__all__ = ["model_markdown", "write_model_doc"]
