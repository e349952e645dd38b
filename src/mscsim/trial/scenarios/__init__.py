"""Built-in trial scenarios (YAML package data), read by :func:`mscsim.trial.load_scenario`."""
