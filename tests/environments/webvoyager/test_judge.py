"""The LLM judge with scripted replies: the prompt it gets, verdict parsing, the score."""

from __future__ import annotations

import pytest

from acon.agent import run_task
from acon.environment import Task
from acon.errors import AconError
from acon.llm.client import LLMCallError
from acon.llm.scripted import ScriptedClient
from acon.services import Services
from acon.trajectory import ERRORED
from environments.webvoyager.config import WebVoyagerConfig
from environments.webvoyager.env import WebVoyagerEnv
from environments.webvoyager.judge import (
    VERDICT_SCHEMA,
    Judge,
    JudgeError,
    parse_verdict,
    render_prompt,
)

ARGS = dict(
    task="Find a vegan cookie recipe rated 4.5+ with over 60 reviews.",
    website="https://www.allrecipes.com/",
    answer="Vegan Chocolate Chip, Oatmeal, and Nut Cookies: 4.9 stars, 67 reviews",
    reference="'Vegan Chocolate Chip, Oatmeal, and Nut Cookies', 4.9 star, 67 viewers",
    reference_type="golden",
    page="URL: https://www.allrecipes.com/recipe/1\nTitle: Cookies\n\n# Vegan Chocolate Chip",
)


class Layer:
    """Stands in for LLMSession: one client per role."""

    def __init__(self, client, agent=None):
        self.client_for = {"judge": client, "agent": agent}

    def client(self, role):
        return self.client_for[role]


def test_prompt_carries_every_part_from_the_template_file():
    prompt = render_prompt(**ARGS, notice="review counts are real-time")
    for value in ARGS.values():
        assert value in prompt
    assert "review counts are real-time" in prompt
    assert "(golden)" in prompt and "$" not in prompt.replace("$task", "")


@pytest.mark.parametrize(
    ("reply", "success"),
    [
        ({"reasoning": "Matches the reference.", "success": True}, True),
        ({"reasoning": "Wrong recipe.", "success": False}, False),
        ('```json\n{"reasoning": "ok", "success": true}\n```', True),
        ('{"reasoning": "x", "success": "false"}', False),
        ("The page shows the recipe. Verdict: SUCCESS", True),
        ("It found a different recipe. NOT SUCCESS", False),
    ],
)
def test_verdicts_parse(reply, success):
    client = ScriptedClient([reply])
    verdict = Judge(client)(**ARGS)
    assert verdict.success is success and verdict.error is None
    messages, params = client.calls[0]
    assert params["response_format"] == VERDICT_SCHEMA
    assert ARGS["reference"] in messages[0]["content"]


def test_no_verdict_or_a_failed_call_raises_so_the_task_is_errored_not_failed():
    garbage = parse_verdict("I am not sure what to say.")
    assert not garbage.success and "no verdict" in garbage.error
    with pytest.raises(JudgeError, match="no verdict"):
        Judge(ScriptedClient(["I am not sure what to say."]))(**ARGS)
    down = LLMCallError("Could not reach the judge endpoint", role="judge", kind="connection")
    with pytest.raises(LLMCallError, match="Could not reach"):
        Judge(ScriptedClient([down]))(**ARGS)


def test_a_judge_outage_leaves_a_live_task_errored_not_scored_zero():
    env = _live_env(ARGS["answer"])
    env.reset = lambda task: "prompt"  # no browser: the answer step needs none
    down = LLMCallError("Could not reach the judge endpoint", role="judge", kind="connection")
    agent = ScriptedClient(
        [{"thought": "t", "action": {"name": "answer", "arguments": {"text": ARGS["answer"]}}}]
    )
    env.services = Services(llms=Layer(ScriptedClient([down]), agent))
    record = run_task(env, env._task, agent)
    assert record.status == ERRORED and record.score == 0.0 and record.failure.role == "judge"
    assert (record.failure.stage, record.failure.kind) == ("evaluation", "connection")


def test_screenshot_goes_as_an_image_part():
    client = ScriptedClient([{"reasoning": "ok", "success": True}])
    Judge(client)(**ARGS, screenshot=b"\x89PNG fake")
    content = client.calls[0][0][0]["content"]
    assert content[0]["type"] == "text" and content[1]["type"] == "image_url"
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,")


def _live_env(answer: str | None) -> WebVoyagerEnv:
    env = WebVoyagerEnv(WebVoyagerConfig(task_source="webvoyager", data_dir="unused"))
    task = Task(
        "Allrecipes--3",
        ARGS["task"],
        "Allrecipes",
        {
            "source": "webvoyager",
            "web": ARGS["website"],
            "web_name": "Allrecipes",
            "reference": ARGS["reference"],
            "reference_type": "golden",
            "notice": "",
        },
    )
    env._task, env._answer = task, answer  # as after reset() and the answer step
    return env


def test_env_score_follows_the_verdict_and_records_it():
    for success in (True, False):
        env = _live_env(ARGS["answer"])
        client = ScriptedClient([{"reasoning": "because", "success": success}])
        env.services = Services(llms=Layer(client))
        evaluation = env.evaluate()
        assert evaluation.score == float(success) and evaluation.success is success
        assert evaluation.details["judge_reasoning"] == "because"
        assert evaluation.details["reference"] == ARGS["reference"]
        # no browser ran: the judge is told the page could not be read
        assert "could not be read" in client.calls[0][0][0]["content"]


def test_env_without_an_answer_fails_without_asking_the_judge():
    env = _live_env(None)
    client = ScriptedClient([])
    env.services = Services(llms=Layer(client))
    assert env.evaluate().score == 0.0 and client.calls == []


def test_env_without_an_llm_layer_names_the_fix():
    with pytest.raises(AconError, match="Services"):
        _live_env("x").evaluate()
