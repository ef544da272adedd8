"""Lesson 05, `05-on-device-learning.ipynb`: its charts, demos and checks."""
