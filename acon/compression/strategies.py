"""Imports every strategy module so each registers its config name (see base.register)."""

from acon.compression import fifo, lingua, llm_summary, retrieval  # noqa: F401
