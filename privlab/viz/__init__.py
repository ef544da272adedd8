"""Charts for the lessons: plain functions that build plotly figures.

Each demo has a ``*_figure(...)`` function that returns a complete
``plotly.graph_objects.Figure`` for the given parameters, and an
``update_*`` function that redraws an existing figure (a ``Figure`` or a
``FigureWidget``) in place. The widgets in :mod:`privlab.widgets` call the
update functions; a static page or a test can call the figure functions.

Importing this module imports plotly; the core modules never do.
"""

from .style import PALETTE, base_layout

__all__ = ["PALETTE", "base_layout"]
