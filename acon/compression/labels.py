"""A rollout's row label in the tables, from its compression settings as flat config keys
(`compression.history._target_`, the guideline's name, version and store): `No
compression`, `History: FIFO`, `History: Prompting`, `History: Acon (acon-opt v3) +
Observation: LLMLingua`, `History: Memento (background)`. The label is the strategy
class's own (`label`), except for a guideline's compression, named by its guideline:
- a shipped one by its own label (`prompting`: "Prompting", the paper's baseline and the
  optimization's start; `one_line`: "One-line prompt"), others "Guideline (<name>)";
- one an optimizer wrote (read from a store, `guideline.dir`) is "Acon (<name> v<N>)" only
  when its text differs from the optimization's start ("GEPA (...)", "Playbook (...)" when
  that method wrote it); a version with the start's text
  says so: "Prompting (acon-opt v1, unchanged by the optimizer)".
Runs logged before strategies had `_target_` are read by their
`compression.<kind>.strategy`.

A label never pools configs: runs with one label but different configs (the reuse key's
identity, seeds aside) are distinct rows whose labels end in what differs,
`History: FIFO [llm.agent.model=gpt-4.1-mini]` (acon.report.rollouts.by_config); a
threshold sweep's rows end in `@ <threshold>` (by_threshold)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

NAMES = {
    "fifo": "FIFO",
    "mask": "Observation masking",
    "retrieval": "Retrieval",
    "llmlingua": "LLMLingua",
    "prompting": "Prompting",
    "guideline": "Guideline",
}
# The shipped guidelines' row labels (acon/guidelines/shipped/<kind>/<name>); the others
# are "Guideline (<name>)".
SHIPPED_LABELS = {"prompting": "Prompting", "one_line": "One-line prompt"}
# LLMLingua's scorers: the paper's encoder (LLMLingua-2) or the local model's perplexity
LINGUA_LABELS = {"llmlingua2": "LLMLingua-2", "local_perplexity": "LLMLingua (local perplexity)"}


def _value(params: Mapping[str, Any], key: str) -> str | None:
    value = params.get(key)
    # MLflow params are strings: a None in the config was logged as "null"
    return None if value is None or str(value) in ("null", "None", "") else str(value)


@lru_cache(maxsize=64)
def _strategy_of(target: str) -> tuple[str, str]:
    """(name, label) of a strategy class, or of its class name when it cannot be imported."""
    from hydra.utils import get_class

    try:
        cls = get_class(target)
    except Exception:  # noqa: BLE001 - a class gone since the run: its name still says
        name = target.rsplit(".", 1)[-1]
        return name, name
    return getattr(cls, "name", cls.__name__), getattr(cls, "label", cls.__name__)


def _strategy(params: Mapping[str, Any], kind: str) -> tuple[str, str] | None:
    target = _value(params, f"compression.{kind}._target_")
    if target is not None:
        return _strategy_of(target)
    old = _value(params, f"compression.{kind}.strategy")
    if old is None or old == "none":
        return None
    return old, NAMES.get(old, old)


def method_of(params: Mapping[str, Any]) -> str:
    parts = []
    for kind in ("history", "observation"):
        strategy = _strategy(params, kind)
        if strategy is None:
            continue
        name, label = strategy
        if name == "guideline":
            label = _guideline_label(params, kind)
        elif name == "llmlingua":  # the paper's LLMLingua-2, or the offline stand-in
            label = LINGUA_LABELS.get(_value(params, f"compression.{kind}.scorer") or "", label)
        if kind == "history" and _value(params, "agent.context.background") == "True":
            label += " (background)"
        parts.append(f"{kind.capitalize()}: {label}")
    method = " + ".join(parts) or "No compression"
    pads = _value(params, "agent.action_pads.source")
    return f"{method} + ActionPads" if pads and pads != "[]" else method


def shipped_label(name: str) -> str:
    return SHIPPED_LABELS.get(name, f"Guideline ({name})")


def _guideline_label(params: Mapping[str, Any], kind: str) -> str:
    name = _value(params, f"compression.{kind}.guideline.name") or "prompting"
    store = _value(params, f"compression.{kind}.guideline.dir")
    if store is None:  # shipped with the harness
        return shipped_label(name)
    version = _value(params, f"compression.{kind}.guideline.version") or "latest"
    named = f"{name} {'v' + version if version.isdigit() else version}"
    return _optimized_label(store, kind, name, version, named)


def _optimized_label(store: str, kind: str, name: str, version: str, named: str) -> str:
    """The row: "Acon (<name> v<N>)" when the version's text differs from the optimization's start
    (the store's `baseline` alias); the start's own label when it does not; a neutral
    "Guideline (...)" when the store cannot be read, so that "Acon" is never a guess."""
    from acon.errors import AconError
    from acon.guidelines import GuidelineStore, text_sha

    guidelines = GuidelineStore(store)
    try:
        used = guidelines.load(kind, name, version)
        start = guidelines.load(kind, name, "baseline")
    except (AconError, OSError, ValueError):
        return f"Guideline ({named}, store not found)"
    if text_sha(used.text) != text_sha(start.text):
        return f"{method_labels().get(used.lineage.method or 'acon', 'Acon')} ({named})"
    origin = (start.lineage.origin or "").rsplit(" v", 1)[0]  # "prompting v1"
    return f"{shipped_label(origin) if origin else 'Start'} ({named}, unchanged by the optimizer)"


def _classes(group: str) -> list[Any]:
    """The classes a config group's options build (by name: this module sits below them)."""
    from hydra.utils import get_class

    from acon.config.schemas import options

    targets = (getattr(schema, "_target_", None) for schema in options(group).values())
    return [get_class(t) for t in targets if t]


@lru_cache(maxsize=1)
def method_labels() -> dict[str, str]:
    """An optimizer method's name (as a candidate's lineage records it) -> its row label,
    as the methods declare them (acon.optimize.methods)."""
    return {cls.name: cls.label for cls in _classes("optimizer")}


@lru_cache(maxsize=1)
def row_ranks() -> dict[str, int]:
    """Each row label's rank, as the strategies declare them (`rank`, and a guideline's
    compression's `row_ranks` for the rows its guideline names), then the optimizer
    methods' rows."""
    ranks: dict[str, int] = {}
    for kind in ("history", "observation"):
        for cls in _classes(f"compression/{kind}"):  # HistoryStrategy, ObservationStrategy
            ranks[cls.label] = cls.rank
            ranks.update(getattr(cls, "row_ranks", {}))
    ranks.update({cls.label: cls.rank for cls in _classes("optimizer")})
    return ranks


def _rank(label: str) -> int:
    """The rank of the longest known label `label` starts with ("Acon (acon-opt v3)": Acon);
    an unknown one after them all."""
    known = [name for name in row_ranks() if label.startswith(name)]
    return row_ranks()[max(known, key=len)] if known else max(row_ranks().values()) + 1


def table_order(method: str) -> tuple:
    """The paper's row order: no compression, then each kind's baselines, Acon last."""
    method, _, config = method.partition(" [")  # by_config's suffix orders last
    parts = [] if method == "No compression" else method.split(" + ")
    key = []
    for part in parts:
        kind, _, label = part.partition(": ")
        label, _, threshold = label.partition(" @ ")  # a sweep's rows, by threshold
        key.append((kind != "History", _rank(label), label, float(threshold or 0)))
    return (len(parts), key, config)
