"""Grading in one place: text units, rubric matching, the learned verifier, calibration and evaluation."""
