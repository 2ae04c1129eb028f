"""A model on the compiled long-context set: the `reader` role answers each pair from its
whole context, no tools; EM and token F1 against the reference, and, with the judge role,
whether the answer is correct. Means carry 95% bootstrap intervals.

    <out>/answers.csv   one row per pair: prediction, em, f1, judged correct
    <out>/evaluation.md, evaluation.json   the means with intervals, the model, the set
An endpoint that fails raises (an outage is never a wrong answer); a judge reply that does
not parse is no verdict (left out of the judge's mean, counted).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from acon.answers import exact_match, token_f1
from acon.compilation.ask import answer_of, ask
from acon.compilation.signatures import AnswerFromContext, JudgeAnswer
from acon.llm.client import LLMClient
from acon.report.stats import mean_interval


def read_eval_set(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        items = [json.loads(line) for line in f if line.strip()]
    return items[:limit] if limit else items


def evaluate(
    items: list[dict[str, Any]],
    reader: LLMClient,
    judge: LLMClient | None,
    out: Path,
    on_item: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Answer and score every item; write the answers and the summary to `out`."""
    rows = []
    for i, item in enumerate(items):
        asked = ask(reader, AnswerFromContext, context=item["context"], question=item["question"])
        prediction = answer_of(asked)
        row = {
            "id": item["id"],
            "session": item["session"],
            "question": item["question"],
            "answer": item["answer"],
            "prediction": prediction,
            "em": exact_match(prediction, [item["answer"]]),
            "f1": token_f1(prediction, item["answer"]),
            "parsed": asked.prediction is not None,
            "reader_cost_usd": asked.cost_usd,
            "reader_s": asked.seconds,
            "judge_correct": math.nan,
        }
        if judge is not None:
            verdict = ask(
                judge,
                JudgeAnswer,
                question=item["question"],
                reference=item["answer"],
                prediction=prediction or "(no answer)",
            )
            if verdict.prediction is not None:
                row["judge_correct"] = float(verdict.prediction.correct is True)
        rows.append(row)
        if on_item is not None:
            on_item(i + 1)
    table = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "answers.csv", index=False)
    summary = summarize(table, reader.config.model)
    (out / "evaluation.json").write_text(json.dumps(summary, indent=2))
    (out / "evaluation.md").write_text(markdown(summary))
    return summary


def summarize(table: pd.DataFrame, model: str) -> dict[str, Any]:
    summary: dict[str, Any] = {"model": model, "pairs": len(table)}
    for name in ("em", "f1", "judge_correct"):
        values = table[name].astype(float) if len(table) else pd.Series(dtype=float)
        present = values.dropna()
        low, high = mean_interval(present)
        summary[name] = {
            "mean": float(present.mean()) if len(present) else math.nan,
            "ci95": [low, high],
            "n": int(len(present)),
        }
    summary["unparsed_replies"] = int((~table["parsed"]).sum()) if len(table) else 0
    summary["reader_cost_usd"] = float(table["reader_cost_usd"].sum()) if len(table) else 0.0
    summary["reader_s_per_pair"] = float(table["reader_s"].mean()) if len(table) else math.nan
    return summary


def markdown(summary: dict[str, Any]) -> str:
    lines = [
        f"# {summary['model']} on {summary['pairs']} compiled long-context pairs",
        "",
        "| measure | mean | 95% CI | n |",
        "|---|---:|---|---:|",
    ]
    for name, label in (("em", "EM"), ("f1", "F1"), ("judge_correct", "judged correct")):
        m = summary[name]
        low, high = m["ci95"]
        lines.append(f"| {label} | {m['mean']:.3f} | [{low:.3f}, {high:.3f}] | {m['n']} |")
    lines += [
        "",
        f"Replies that did not parse: {summary['unparsed_replies']}; reader cost "
        f"${summary['reader_cost_usd']:.4f}, {summary['reader_s_per_pair']:.1f} s per pair.",
    ]
    return "\n".join(lines) + "\n"
