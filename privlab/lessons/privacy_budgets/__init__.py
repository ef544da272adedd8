"""Lesson 02, `02-privacy-budgets.ipynb`: its charts, demos and checks."""
