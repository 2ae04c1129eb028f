"""One task stepped through by hand: the agent's inputs, and when the compressor fires."""

from __future__ import annotations

from acon.agent.config import AgentConfig, ContextConfig
from acon.compression.base import NoHistoryCompression, NoObservationCompression
from acon.compression.fifo import FifoConfig
from acon.compression.summary import GuidelineHistoryConfig, GuidelineObservationConfig
from acon.estimate.config import TaskProfile
from acon.estimate.simulate import simulate_task

# each step adds a turn of 10 (reply) + 90 (observation) + 8 (two messages' framing) = 108
PROFILE = TaskProfile(
    steps=4,
    system_tokens=100,
    task_tokens=50,
    action_tokens=10,
    observation_tokens=90,
    summary_tokens=20,
)
THRESHOLDS = ContextConfig(history_threshold_tokens=200, observation_threshold_tokens=1000)
AGENT = AgentConfig(max_steps=10, context=THRESHOLDS)


def test_without_compression_the_context_grows_by_a_turn_a_step():
    bill = simulate_task(PROFILE, AGENT, NoHistoryCompression(), NoObservationCompression())
    agent = bill.roles["agent"]
    # inputs 153, 261, 369, 477: system + task + the turns so far + 3 (the framing)
    assert (agent.calls, agent.prompt_tokens, agent.completion_tokens) == (4, 1260, 40)
    assert bill.roles["compressor"].calls == 0
    assert bill.last_context == 50 + 3 * 108 + 10


def test_the_history_is_summarized_each_time_it_passes_the_threshold():
    bill = simulate_task(PROFILE, AGENT, GuidelineHistoryConfig(), NoObservationCompression())
    # step 1: 153; after it 158 <= 200. Step 2: 261; after it 266 > 200: the older turn
    # is summarized (20 + 8), the last kept. Step 3: 100+50+28+108+3 = 289; after it 294 > 200:
    # summarized again. Step 4: 289, the last (nothing is added after the finishing reply).
    agent, compressor = bill.roles["agent"], bill.roles["compressor"]
    assert (agent.calls, agent.prompt_tokens) == (4, 153 + 261 + 289 + 289)
    assert (compressor.calls, compressor.completion_tokens) == (2, 40)
    assert compressor.prompt_tokens > (50 + 108) + (50 + 28 + 108)  # plus guideline and frame


def test_fifo_keeps_its_last_turns_and_calls_no_model():
    bill = simulate_task(PROFILE, AGENT, FifoConfig(keep_turns=1), NoObservationCompression())
    # after step 2 the history (266) passes 200 and only the last turn stays: 153, 261, 261, 261
    assert bill.roles["agent"].prompt_tokens == 153 + 3 * 261
    assert bill.roles["compressor"].calls == 0


def test_a_share_of_long_observations_is_compressed_as_expected_values():
    profile = TaskProfile(
        steps=3,
        system_tokens=100,
        task_tokens=50,
        action_tokens=10,
        observation_tokens=90,
        long_observation_share=0.5,
        long_observation_tokens=1500,
        summary_tokens=20,
    )
    bill = simulate_task(profile, AGENT, NoHistoryCompression(), GuidelineObservationConfig())
    # two observations enter the context, half of them long: 0.5 compressor calls each
    assert bill.roles["compressor"].calls == 1.0
    assert bill.roles["compressor"].completion_tokens == 20
    # each turn: 10 + (0.5 * 90 + 0.5 * 20) + 8 = 73
    assert bill.roles["agent"].prompt_tokens == 153 + (153 + 73) + (153 + 146)


def test_the_step_limit_caps_the_steps():
    bill = simulate_task(
        TaskProfile(steps=50),
        AgentConfig(max_steps=10),
        NoHistoryCompression(),
        NoObservationCompression(),
    )
    assert bill.roles["agent"].calls == 10
