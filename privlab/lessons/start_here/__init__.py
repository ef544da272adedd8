"""Lesson 00, `00-start-here.ipynb`: its charts, demos and checks."""
