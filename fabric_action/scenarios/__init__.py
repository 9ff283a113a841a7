"""Scenarios: what a run does with the client stack (``deploy`` today)."""
