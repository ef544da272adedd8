"""Lesson 06, `06-end-to-end-encryption.ipynb`: its charts, demos and checks."""
