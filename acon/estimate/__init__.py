"""Know the bill before paying it: the LLM calls, tokens and dollars a job will spend,
from its split sizes, step limits and per-task figures, without calling any model.

`acon-main +experiment=paper_table1_history llm=openai dry_run=true` prints the estimate
and stops (any of acon-rollout, acon-optimize, acon-main); a real run writes it first and
puts it beside what the run spent at the end (`<run>/estimate_vs_actual.md`).
Modules: config (the figures), measured (figures from earlier runs), simulate (one
task's calls), plan (each verb's rollouts and optimizer calls), compare (the tables).
"""
