"""Lesson 01, `01-noisy-counts.ipynb`: its charts, demos and checks."""
