"""The history guideline acon-opt v1 as a DSPy signature (exported by acon-export)."""

import dspy

GUIDELINE = 'Summarize the interaction history concisely.'

Compress = dspy.Signature("task, previous_summary, history -> summary", GUIDELINE)
compress = dspy.ChainOfThought(Compress)
