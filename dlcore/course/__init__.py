"""The course support: what the notebooks need around the library, kept apart from it.

- ``viz``: the pictures, one module per topic (data, architecture, loss, propagation, optimizer,
  training, convolution and recurrence);
- ``interactive``: the widgets, each split into a plain compute function (tested by pytest) and
  the view that draws it;
- ``checks``: the exercise checkers, one module per notebook;
- ``environment``: the set-up check of ``00_start_here``.

This part imports the core (``dlcore.layers``, ``dlcore.train``, ...), matplotlib and ipywidgets;
the core never imports this part, so ``import dlcore`` needs NumPy alone.
"""
