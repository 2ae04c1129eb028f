"""Entry points, one per verb; each is a Hydra app over `conf/config.yaml`."""
