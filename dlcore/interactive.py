"""Widget explorers for the notebooks, and the plain functions that do their work.

Each widget is split in two:

- a *compute* function (plain NumPy, no widgets, no plotting) that takes the slider values and
  returns numbers; pytest tests these directly, and the benchmarks time them;
- a *view* function ``*_explorer(...)`` that builds the ipywidgets sliders, calls the compute
  function on every change and draws the result with matplotlib into a fixed-height ``Output``.

ipywidgets and matplotlib are imported inside the view functions only, so the compute functions
(and the rest of dlcore) work without them. Sliders that retrain a model use
``continuous_update=False`` so the work runs once, when the slider is released.
"""

from __future__ import annotations


# =================================================================================================
# Bias as a threshold (02_architecture)
# =================================================================================================


# =================================================================================================
# Learning rate (06_optimizer)
# =================================================================================================


# =================================================================================================
# Batch size (07_training_loop)
# =================================================================================================
