"""Lesson 07, `07-backups-and-disappearing-messages.ipynb`: its charts, demos and checks."""
