"""A tiny built-in benchmark for tests, demos and benchmarks of the harness itself.

A fictional company directory: each employee has a city, a team, a manager and a start
year. `lookup(name)` returns that employee's record buried in a long page of unrelated
boilerplate (so observations are long and compression matters); a task asks for several
facts at once, e.g. "the city of Ada Park; the start year of Ben Ortiz", and the agent
answers them in order with `finish(answer="...; ...")`. The score is the fraction of
facts answered right; the difficulty is the number of facts asked. Everything is
generated from a seed, so tasks are stable across runs and machines.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from acon.environment import Action, Environment, Evaluation, StepResult, Task, Tool
from acon.services import Services
from environments.facts.config import FactsConfig

FIRST = ["Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea"]
LAST = ["Park", "Ortiz", "Novak", "Mills", "Lund", "Kato", "Ibsen", "Hale", "Grant", "Fox"]
CITIES = ["Lisbon", "Osaka", "Quito", "Tallinn", "Perth", "Accra", "Bergen", "Cusco"]
TEAMS = ["billing", "search", "payments", "infra", "mobile", "research", "security"]
ATTRIBUTES = {"city": "city", "team": "team", "manager": "manager", "start year": "start_year"}
FILLER = (
    "Directory notice: records are maintained by the people team. Entries may lag behind "
    "recent changes. Contact the help desk for corrections. This page is generated "
    "automatically and contains no confidential information."
)


@dataclass(frozen=True)
class Employee:
    name: str
    city: str
    team: str
    manager: str
    start_year: int


def _directory(seed: int, size: int = 40) -> dict[str, Employee]:
    rng = random.Random(seed)
    names = rng.sample([f"{f} {la}" for f in FIRST for la in LAST], size)
    return {
        name: Employee(
            name=name,
            city=rng.choice(CITIES),
            team=rng.choice(TEAMS),
            manager=rng.choice([n for n in names if n != name]),
            start_year=rng.randint(2001, 2024),
        )
        for name in names
    }


def normalize(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


class FactsEnv(Environment):
    name = "facts"
    finish_tool = "finish"
    config: FactsConfig

    def __init__(self, config: FactsConfig | None = None, services: Services | None = None):
        super().__init__(config or FactsConfig(), services)
        self.seed = self.config.seed
        self.n_tasks = self.config.n_tasks
        self.filler_lines = self.config.filler_lines
        self.directory = _directory(self.seed)
        self._task: Task | None = None
        self._answer: str | None = None

    def tasks(self, split: str = "test") -> list[Task]:
        rng = random.Random(f"{self.seed}-{split}")
        people = sorted(self.directory)
        tasks = []
        for i in range(self.n_tasks):
            n_facts = 1 + i % 3
            asks = [(rng.choice(list(ATTRIBUTES)), rng.choice(people)) for _ in range(n_facts)]
            question = "; ".join(f"the {attr} of {person}" for attr, person in asks)
            gold = [str(getattr(self.directory[p], ATTRIBUTES[a])) for a, p in asks]
            tasks.append(
                Task(
                    id=f"{split}-{i:03d}",
                    instruction=(
                        f"Find {question}. Answer with finish, giving the {n_facts} "
                        f"answer(s) in this order separated by '; '."
                    ),
                    difficulty=str(n_facts),
                    metadata={"gold": gold},
                )
            )
        return tasks

    def reset(self, task: Task) -> str:
        self._task, self._answer = task, None
        return task.instruction

    def tools(self) -> list[Tool]:
        return [
            Tool(
                "lookup",
                "Show the directory page of one employee, by full name.",
                {
                    "type": "object",
                    "properties": {"name": {"type": "string"}},
                    "required": ["name"],
                },
            ),
            Tool(
                "finish",
                "Give the final answer and end the task.",
                {
                    "type": "object",
                    "properties": {"answer": {"type": "string"}},
                    "required": ["answer"],
                },
            ),
        ]

    def page(self, name: str) -> str:
        e = self.directory[name]
        lines = [f"{FILLER} (line {i + 1})" for i in range(self.filler_lines)]
        record = (
            f"Employee: {e.name} | city: {e.city} | team: {e.team} | manager: {e.manager} "
            f"| start year: {e.start_year}"
        )
        lines.insert(len(lines) // 2, record)
        return "\n".join(lines)

    def step(self, action: Action) -> StepResult:
        if action.name == "finish":
            self._answer = str(action.arguments.get("answer", ""))
            return StepResult("Answer recorded.", done=True)
        if action.name == "lookup":
            name = str(action.arguments.get("name", "")).strip()
            match = next((n for n in self.directory if normalize(n) == normalize(name)), None)
            if match is None:
                return StepResult(f"No employee named {name!r}. Names are 'First Last'.")
            return StepResult(self.page(match))
        return StepResult(f"Unknown tool {action.name!r}: use lookup or finish.")

    def evaluate(self) -> Evaluation:
        assert self._task is not None
        gold = self._task.metadata["gold"]
        given = [normalize(a) for a in (self._answer or "").split(";")]
        right = [i < len(given) and given[i] == normalize(g) for i, g in enumerate(gold)]
        score = sum(right) / len(gold)
        return Evaluation(
            score=score,
            success=score == 1.0,
            details={"gold": gold, "answer": self._answer, "correct": right},
        )

    def close(self) -> None:
        self._task = None
