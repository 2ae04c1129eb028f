"""Guidelines: the natural-language instructions a compressor follows, as versioned files
with lineage (`store.py`, `lineage.py`). The shipped ones (the paper's Prompting baseline,
where optimization starts, and a few others) live in `shipped/`; an optimizer writes to its
run's own store."""

from acon.guidelines.lineage import Lineage, text_sha
from acon.guidelines.store import (
    KINDS,
    SHIPPED,
    Guideline,
    GuidelineRef,
    GuidelineStore,
    load_guideline,
)

__all__ = [
    "KINDS",
    "SHIPPED",
    "Guideline",
    "GuidelineRef",
    "GuidelineStore",
    "Lineage",
    "load_guideline",
    "text_sha",
]
