"""A scripted stand-in for every role, served over HTTP by FakeOpenAI, so the optimizer
runs end to end through the real LLM layer and DSPy.

- agent (facts env): looks up each person the task names until their record is in its
  context, then answers; at the last step it answers with what it has.
- compressor: keeps the employee records in its summary only if its guideline says
  "KEEP RECORDS"; otherwise its summary loses them (so multi-fact tasks fail). As an
  observation compressor (offload's gist and findings) likewise: the records become
  findings only under "KEEP RECORDS".
- optimizer: feedback fields are filler; proposal i (seed 42 + i) adds KEEP RECORDS for
  i = 0 and a useless line otherwise (the whole guideline, or only the added line when
  asked for new instructions); shortening keeps only the KEEP RECORDS line. Asked to pick
  a rule (`edits`), it picks the first kind and the first treatment it is offered.
"""

from __future__ import annotations

import json
import re
from typing import Any

RECORD = re.compile(
    r"Employee: (\w+ \w+) \| city: (\w+) \| team: (\w+) \| manager: (\w+ \w+) \| start year: (\d+)"
)
COLUMN = {"city": 1, "team": 2, "manager": 3, "start year": 4}
KEEP = "KEEP RECORDS: copy every Employee line verbatim."


def brain(body: dict[str, Any]) -> str:
    schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("name")
    messages = body["messages"]
    if schema == "step":
        return agent(messages, body["response_format"])
    if schema == "compressed_summary":
        return compressor(messages)
    if schema == "compressed_observation":
        return observation_compressor(messages)
    return optimizer(messages, body.get("seed", 42))


def agent(messages: list[dict[str, Any]], response_format: dict[str, Any]) -> str:
    asks = re.findall(r"the (city|team|manager|start year) of (\w+ \w+)", messages[1]["content"])
    seen = {m[0]: m for m in RECORD.findall("\n".join(m["content"] for m in messages[1:]))}
    missing = [person for _, person in asks if person not in seen]
    last_step = "anyOf" not in json.dumps(response_format["json_schema"]["schema"]["properties"])
    if missing and not last_step:
        action = {"name": "lookup", "arguments": {"name": missing[0]}}
    else:
        answers = [seen[p][COLUMN[a]] if p in seen else "unknown" for a, p in asks]
        action = {"name": "finish", "arguments": {"answer": "; ".join(answers)}}
    return json.dumps({"thought": "next", "action": action})


def compressor(messages: list[dict[str, Any]]) -> str:
    guideline, frame = messages[0]["content"], messages[1]["content"]
    if "KEEP RECORDS" in guideline:
        summary = "\n".join(m.group(0) for m in RECORD.finditer(frame)) or "nothing yet"
    else:
        summary = "The agent looked up some employees."
    return json.dumps({"reasoning": "r", "summary": summary})


def observation_compressor(messages: list[dict[str, Any]]) -> str:
    guideline, frame = messages[0]["content"], messages[1]["content"]
    findings = ""
    if "KEEP RECORDS" in guideline:
        findings = "".join(f"\n- {m.group(0)}" for m in RECORD.finditer(frame))
    return json.dumps({"reasoning": "r", "observation": "A directory page." + findings})


def optimizer(messages: list[dict[str, Any]], seed: int) -> str:
    system, user = messages[0]["content"], messages[-1]["content"]
    if "Your output fields are:" not in system:  # GEPA's reflection prompt, plain text
        current = re.search(r"```\n?(.*?)```", user, re.S).group(1).strip()
        return f"```\n{current}\n{KEEP}\n```"
    outputs = re.findall(r"\d+\. `(\w+)`", system.split("Your output fields are:")[1])
    guideline = re.search(r"\[\[ ## guideline ## \]\]\n(.*?)\n\n\[\[ ##", user, re.S)
    values = {}
    for name in outputs:
        offered = re.search(rf"`{name}` \(Literal\[(.*?)\]\)", system)
        if offered:  # a pick from a list (the edits proposal): the first one offered
            values[name] = offered.group(1).split(", ")[0].strip("'")
        elif name == "new_instructions":  # the append proposal: new lines only
            values[name] = KEEP if seed == 42 else f"Variant {seed - 42}: be brief."
        elif name != "new_guideline":
            values[name] = f"{name}: the summary dropped the employee records"
        elif "shorter" in system:
            values[name] = f"Summarize.\n{KEEP}"
        elif seed == 42:
            values[name] = f"{guideline.group(1)}\n{KEEP}"
        else:
            values[name] = f"{guideline.group(1)}\nVariant {seed - 42}: be brief."
    body = "".join(f"[[ ## {k} ## ]]\n{v}\n\n" for k, v in values.items())
    return body + "[[ ## completed ## ]]"
