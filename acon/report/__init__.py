"""Tables and plots from finished rollouts (`acon-report`)."""
