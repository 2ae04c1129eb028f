"""8-objective QA (NaturalQuestions-open), as in MEM1 and the Acon paper
(environments/qa/env.py, README.md)."""
