"""Lesson 03, `03-secret-sharing.ipynb`: its charts, demos and checks."""
