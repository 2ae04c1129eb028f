"""Optimizer methods, one module each, chosen by config group (`optimizer=acon|gepa|playbook`).

A method is a class built from its typed config (a subclass of
`acon.optimize.config.OptimizerConfig`, registered with `@schema("optimizer", name)`) and
the run's services, with `run(spec) -> OptimizationReport`. Adding one is a module here and
a YAML file in `conf/optimizer/`.
"""
