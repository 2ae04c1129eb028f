"""The real browser: Debian's Chromium via Playwright on the offline sites, solved by
scripted actions; the judge path on a real final page; the browser always closed."""

from __future__ import annotations

import re

import pytest

from acon.composition import compose
from acon.environment import Action, Task
from acon.llm.scripted import ScriptedClient
from acon.rollout import make_env
from acon.services import Services
from environments.webvoyager.browser import Browser
from environments.webvoyager.env import HERE
from environments.webvoyager.site_server import SiteServer
from tests.environments.webvoyager.conftest import chromium_descendants

pytestmark = pytest.mark.integration


def element(observation: str, role: str, name: str) -> int:
    """The number of the element `[n] role "name..."` in an observation."""
    match = re.search(rf'\[(\d+)\] {role} "{re.escape(name)}', observation)
    assert match, f'no {role} "{name}" in:\n{observation}'
    return int(match.group(1))


@pytest.fixture
def env(chromium_ready):
    env = make_env(compose(["env=webvoyager_local"]).env)
    yield env
    env.close()
    assert not env.browser.running
    assert chromium_descendants() == [], "Chromium outlived env.close()"


def task(env, task_id: str) -> Task:
    return next(t for t in env.tasks("all") if t.id == task_id)


def act(env, name: str, **arguments) -> str:
    result = env.step(Action(name, arguments))
    assert not result.done
    return result.observation


def test_search_task_solved_by_scripted_actions_passes(env):
    prompt = env.reset(task(env, "bookshop-price"))
    assert "The Quiet Orbit" in prompt and "URL: http://127.0.0.1:" in prompt
    assert chromium_descendants(), "no Chromium process is running"
    obs = act(env, "type", id=element(prompt, "searchbox", "Search books"), text="quiet orbit")
    assert "1 result(s)" in obs
    obs = act(env, "click", id=element(obs, "link", "The Quiet Orbit"))
    assert "Title: The Quiet Orbit - Larkspur Books" in obs and "$14.50" in obs
    assert env.step(Action("answer", {"text": "$14.50"})).done
    evaluation = env.evaluate()
    assert evaluation.success and evaluation.score == 1.0
    assert evaluation.details["final_url"].endswith("/bookshop/book-quiet-orbit.html")


def test_wrong_answer_fails(env):
    prompt = env.reset(task(env, "bookshop-cheapest-history"))
    obs = act(env, "click", id=element(prompt, "link", "Catalog"))
    obs = act(env, "click", id=element(obs, "link", "History"))
    assert "Greta Holm" in obs and "$12.90" in obs
    env.step(Action("answer", {"text": "Tomas Quill"}))  # not the cheapest
    evaluation = env.evaluate()
    assert not evaluation.success and evaluation.score == 0.0
    assert evaluation.details["answers"] == ["Greta Holm"]


def test_links_go_back_and_a_fresh_context_per_task(env):
    prompt = env.reset(task(env, "weather-bergen-thursday"))
    obs = act(env, "click", id=element(prompt, "link", "Coast region"))
    obs = act(env, "click", id=element(obs, "link", "Bergen"))
    assert "Thursday | 11 | 6" in obs
    obs = act(env, "go_back")
    assert "Went back." in obs and "Title: Northwind Weather - Coast" in obs
    env.step(Action("answer", {"text": "11 °C"}))
    assert env.evaluate().success
    # the next task starts clean: no history to go back into
    prompt = env.reset(task(env, "weather-coldest-saturday"))
    assert "There is no previous page." in act(env, "go_back")


def test_long_page_needs_scrolling(env):
    prompt = env.reset(task(env, "bookshop-closed-day"))
    obs = act(env, "click", id=element(prompt, "link", "Visit us"))
    assert "Monday | Closed" not in obs and "more below (scroll down)" in obs
    scrolls = 0
    while "Monday | Closed" not in obs and scrolls < 8:
        obs, scrolls = act(env, "scroll", direction="down"), scrolls + 1
    assert "Monday | Closed" in obs and "more above (scroll up)" in obs
    env.step(Action("answer", {"text": "Monday"}))
    assert env.evaluate().success


def test_select_pagination_goto_and_bad_actions(env):
    prompt = env.reset(task(env, "recipes-crumble-oats"))
    obs = act(env, "click", id=element(prompt, "link", "Desserts"))
    obs = act(env, "click", id=element(obs, "link", "Oat Crumble"))
    select = element(obs, "combobox", "Servings")
    obs = act(env, "type", id=select, text="8", submit=False)
    assert 'selected="8"' in obs and "Oats: 320 g" in obs
    base = obs.split("URL: ")[1].split("/recipes/")[0]
    obs = act(env, "goto", url=f"{base}/recipes/category-soups.html")
    obs = act(env, "click", id=element(obs, "link", "Next page"))
    obs = act(env, "click", id=element(obs, "link", "Lemon Barley Soup"))
    assert "Prep time: 25 minutes" in obs
    assert "There is no element [999]" in act(env, "click", id=999)
    assert "give a full http(s) URL" in act(env, "goto", url="file:///etc/passwd")
    assert "Bad arguments" in act(env, "click")
    env.step(Action("answer", {"text": "320"}))
    assert env.evaluate().success


def test_live_task_path_judged_on_the_real_final_page(chromium_ready):
    """A live-style task (source webvoyager) whose website is a local page: the judge sees
    the real final page, and its verdict is the score."""
    with SiteServer(HERE / "sites") as server:
        client = ScriptedClient([{"reasoning": "The page shows 14.50.", "success": True}])
        layer = type("Layer", (), {"client": lambda self, role: client})()
        env = make_env(
            compose(["env=webvoyager", "env.browser.settle_ms=300"]).env, Services(layer)
        )
        try:
            live = Task(
                "Shop--0",
                "Find the price of The Quiet Orbit.",
                "Shop",
                {
                    "source": "webvoyager",
                    "web": f"{server.url}/bookshop/book-quiet-orbit.html",
                    "web_name": "Shop",
                    "reference": "$14.50",
                    "reference_type": "golden",
                    "notice": "",
                },
            )
            env.reset(live)
            env.step(Action("answer", {"text": "It costs $14.50."}))
            evaluation = env.evaluate()
        finally:
            env.close()
    assert evaluation.success and evaluation.details["judge_reasoning"]
    prompt = client.calls[0][0][0]["content"]
    assert "It costs $14.50." in prompt and "Title: The Quiet Orbit - Larkspur Books" in prompt
    assert chromium_descendants() == []


def test_browser_closes_after_an_exception(chromium_ready):
    with pytest.raises(RuntimeError, match="boom"), Browser(chromium_ready) as browser:
        browser.new_context()
        assert chromium_descendants()
        raise RuntimeError("boom")
    assert not browser.running and chromium_descendants() == []
