"""Lesson 04, `04-private-lift.ipynb`: its charts, demos and checks."""
