"""An offline mock interviewer for machine-learning jobs."""

__version__ = "0.1.0"
