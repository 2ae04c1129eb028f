"""Optimized guidelines out of the harness.

- files.py: `export_guideline`, every form a guideline is written in (`acon-export`)
- targets.py: the form each agent framework's compaction takes, with a usage snippet
- compressor.py: `load_compressor`, the guideline compressor for your own agent's messages
- openai_agents.py: that compressor as an OpenAI Agents SDK session
"""

from acon.export.compressor import Compressor, load_compressor
from acon.export.files import export_guideline

__all__ = ["Compressor", "export_guideline", "load_compressor"]
