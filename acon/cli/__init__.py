"""Entry points, one per verb; each is a Hydra app over `conf/config.yaml`
(`acon-models` excepted: it manages the local model files). The installed commands start
in acon.cli.commands."""
