"""acon-compile's LLM programs, as DSPy signatures (run on the accounted LLM layer)."""

from __future__ import annotations

import dspy
import pydantic


class ProposedPair(pydantic.BaseModel):
    question: str
    answer: str
    supporting_turns: list[int]


class ProposePairs(dspy.Signature):
    """Write question-answer pairs that test memory of an agent's work across its turns.
    For each pair: pick two turns that are not next to each other (their numbers differ
    by 2 or more), take one fact from each, and ask one question that needs both facts,
    for example "What is the team of Ann Lee and the city of Bo Kim?" (answer
    "billing; Oslo") or "Who started earlier, Ann Lee or Bo Kim?" (answer "Ann Lee"). A
    question that one turn answers alone is wrong. Answers are short and use the turns'
    own words (two facts joined by "; "). supporting_turns lists both turn numbers. Write
    1 to 5 such pairs."""

    task: str = dspy.InputField(desc="the task the agent worked on")
    trajectory: str = dspy.InputField(desc="the agent's turns, each headed [turn N]")
    pairs: list[ProposedPair] = dspy.OutputField(desc="1 to 5 question-answer pairs")


class AskAcrossTurns(dspy.Signature):
    """Write one question that needs a fact from the first given turn and a fact from the
    second given turn of an agent's trajectory, so that neither turn answers it alone,
    for example "What is the team of Ann Lee and the city of Bo Kim?" (answer
    "billing; Oslo"). The answer is short and uses the turns' own words (two facts joined
    by "; ")."""

    task: str = dspy.InputField(desc="the task the agent worked on")
    trajectory: str = dspy.InputField(desc="the agent's turns, each headed [turn N]")
    first_turn: int = dspy.InputField(desc="the number of the first turn to use")
    second_turn: int = dspy.InputField(desc="the number of the second turn to use")
    question: str = dspy.OutputField()
    answer: str = dspy.OutputField()


class JudgeSupport(dspy.Signature):
    """Decide whether the answer to the question is stated in, or follows directly from,
    the given turns alone. Do not use outside knowledge."""

    turns: str = dspy.InputField(desc="the only evidence, each turn headed [turn N]")
    question: str = dspy.InputField()
    answer: str = dspy.InputField()
    supported: bool = dspy.OutputField(desc="true only if the turns support the answer")


class AnswerFromContext(dspy.Signature):
    """Answer the question from the context alone, with a short answer (a name, number,
    id or phrase). If the context does not contain the answer, reply "unknown"."""

    context: str = dspy.InputField(desc="an agent's earlier turns, each headed [turn N]")
    question: str = dspy.InputField()
    answer: str = dspy.OutputField(desc="the short answer, or unknown")


class JudgeAnswer(dspy.Signature):
    """Decide whether the predicted answer means the same as the reference answer to the
    question (same entity, number or fact; wording may differ)."""

    question: str = dspy.InputField()
    reference: str = dspy.InputField()
    prediction: str = dspy.InputField()
    correct: bool = dspy.OutputField()
