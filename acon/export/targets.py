"""A guideline in the form each agent framework's own compaction takes.

Each target turns a guideline into one file (None: the target needs no file) and a usage
snippet. The frameworks' compaction summarizes history, so an observation guideline goes
to DSPy alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from acon.compression.summary import OUTPUT_FIELD
from acon.guidelines import Guideline

# Anthropic's server-side compaction: the edit type and the beta that enables it
ANTHROPIC_EDIT, ANTHROPIC_BETA = "compact_20260112", "compact-2026-01-12"
# The inputs of the DSPy signature per kind, as the compressor's frame names them
DSPY_INPUTS = {
    "history": "task, previous_summary, history",
    "observation": "task, action, observation",
}


@dataclass(frozen=True)
class Target:
    name: str
    title: str
    suffix: str  # the file's ending after <kind>-<name>-v<version>.
    kinds: tuple[str, ...]
    render: Callable[[Guideline], str] | None
    snippet: Callable[[str], str]  # the usage, given the files' stem

    def form(self, guideline: Guideline) -> str | None:
        if self.render is None or guideline.kind not in self.kinds:
            return None
        return self.render(guideline)

    def usage(self, guideline: Guideline, stem: str) -> str:
        if guideline.kind not in self.kinds:
            return f"Not for {guideline.kind} guidelines: this target compacts history."
        return self.snippet(stem)


def langchain_prompt(guideline: Guideline) -> str:
    """`SummarizationMiddleware(summary_prompt=...)`: formatted with str.format(messages=)."""
    text = guideline.text.replace("{", "{{").replace("}", "}}")
    return f"{text}\n\n<messages>\nMessages to summarize:\n{{messages}}\n</messages>\n"


def openhands_template(guideline: Guideline) -> str:
    """The Jinja2 template of OpenHands' LLMSummarizingCondenser (`events`: the forgotten
    events as strings); the guideline is raw text to Jinja."""
    return (
        f"{{% raw %}}{guideline.text}{{% endraw %}}\n\n"
        "{% for event in events %}<EVENT>\n{{ event }}\n</EVENT>\n{% endfor %}\n"
        "Now summarize the events above, following the instructions.\n"
    )


def letta_settings(guideline: Guideline) -> str:
    return json.dumps(
        {"compaction_settings": {"mode": "sliding_window", "prompt": guideline.text}}, indent=2
    )


def anthropic_settings(guideline: Guideline) -> str:
    edit = {
        "type": ANTHROPIC_EDIT,
        "instructions": guideline.text,
        "trigger": {"type": "input_tokens", "value": 150_000},
    }
    return json.dumps(
        {"betas": [ANTHROPIC_BETA], "context_management": {"edits": [edit]}}, indent=2
    )


def dspy_module(guideline: Guideline) -> str:
    output = OUTPUT_FIELD[guideline.kind]
    return (
        f'"""The {guideline.kind} guideline {guideline.name} v{guideline.version} as a DSPy '
        'signature (exported by acon-export)."""\n\n'
        "import dspy\n\n"
        f"GUIDELINE = {guideline.text!r}\n\n"
        f'Compress = dspy.Signature("{DSPY_INPUTS[guideline.kind]} -> {output}", GUIDELINE)\n'
        "compress = dspy.ChainOfThought(Compress)\n"
    )


def _langchain(stem: str) -> str:
    return f"""```python
from pathlib import Path
from langchain.agents import create_agent
from langchain.agents.middleware import SummarizationMiddleware

agent = create_agent(model, tools, middleware=[SummarizationMiddleware(
    model=summary_model, trigger=("tokens", 4000), keep=("messages", 20),
    summary_prompt=Path("{stem}.langchain.txt").read_text())])
```"""


def _openhands(stem: str) -> str:
    return f"""Save `{stem}.openhands.j2` as `summarizing_prompt.j2` in a prompt folder and
render it where `LLMSummarizingCondenser` renders its own:

```python
from openhands.sdk.context.condenser import LLMSummarizingCondenser
from openhands.sdk.context.prompts import render_template

class AconCondenser(LLMSummarizingCondenser):
    # copy of _generate_condensation with prompt_dir pointing at your folder:
    # render_template(prompt_dir, "summarizing_prompt.j2", events=event_strings)
    ...
```"""


def _letta(stem: str) -> str:
    return f"""```python
import json
from letta_client import Letta

settings = json.load(open("{stem}.letta.json"))["compaction_settings"]
agent = Letta().agents.create(model="openai/gpt-4.1", compaction_settings=settings)
```"""


def _anthropic(stem: str) -> str:
    return f"""```python
import json
import anthropic

extra = json.load(open("{stem}.anthropic.json"))
reply = anthropic.Anthropic().beta.messages.create(
    model="claude-sonnet-4-5", max_tokens=4096, messages=messages,
    betas=extra["betas"], context_management=extra["context_management"])
```"""


def _openai_agents(stem: str) -> str:
    return """The guideline compressor as a session around any Agents SDK session: when the
stored history passes the threshold, older items are replaced by the compressor's summary.

```python
from agents import Agent, Runner, SQLiteSession
from acon.export import load_compressor
from acon.export.openai_agents import AconSession

compressor = load_compressor("acon-opt", "best", guidelines_dir="runs/<run>/guidelines",
                             base_url="https://api.openai.com/v1", model="gpt-4.1-mini",
                             api_key_env="OPENAI_API_KEY", threshold_tokens=4096)
session = AconSession(SQLiteSession("user-1"), compressor)
result = await Runner.run(agent, "next request", session=session)
```"""


def _dspy(stem: str) -> str:
    return f"""```python
import runpy
compress = runpy.run_path("{stem}.dspy.py")["compress"]   # a dspy.ChainOfThought
```"""


TARGETS: tuple[Target, ...] = (
    Target(
        "langchain",
        "LangChain (SummarizationMiddleware)",
        "langchain.txt",
        ("history",),
        langchain_prompt,
        _langchain,
    ),
    Target(
        "openhands",
        "OpenHands (LLMSummarizingCondenser)",
        "openhands.j2",
        ("history",),
        openhands_template,
        _openhands,
    ),
    Target(
        "letta", "Letta (compaction settings)", "letta.json", ("history",), letta_settings, _letta
    ),
    Target(
        "anthropic",
        "Anthropic (context compaction)",
        "anthropic.json",
        ("history",),
        anthropic_settings,
        _anthropic,
    ),
    Target(
        "openai_agents",
        "OpenAI Agents SDK (a compacting session)",
        "",
        ("history",),
        None,
        _openai_agents,
    ),
    Target(
        "dspy",
        "DSPy (a signature and module)",
        "dspy.py",
        ("history", "observation"),
        dspy_module,
        _dspy,
    ),
)
