"""OfficeBench (Wang et al., 2024): office automation across Word, Excel, PDF, calendar,
email, OCR and the shell, scored by the benchmark's own file checks.

See environments/officebench/README.md for the data, the tools, the path mapping and the
evaluator check.
"""
