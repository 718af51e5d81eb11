"""Widget explorers for the notebooks, and the plain functions that do their work.

Each widget is split in two:

- a *compute* function (plain NumPy, no widgets, no plotting) that takes the slider values and
  returns numbers; pytest tests these directly, and the benchmarks time them;
- a *view* function ``*_explorer(...)`` that builds the ipywidgets sliders, calls the compute
  function on every change and draws the result with matplotlib into a fixed-height ``Output``.

ipywidgets and matplotlib are imported inside the view functions only, so the compute functions
(and the rest of dlcore) work without them. Sliders that retrain a model use
``continuous_update=False`` so the work runs once, when the slider is released.

The view functions work with ipywidgets 7 (the version Colab ships) and 8: they use only widgets,
traits and styles that both have. Each returns an ``explorer_box``: a ``VBox`` whose text form,
saved in the notebook beside the widget, tells a reader who sees it instead of the widget what to
do (see ``NOT_RUN_HINT``).
"""

from .batch_size import (  # noqa: F401
    BatchSizeRun,
    batch_size_choices,
    batch_size_explorer,
    train_with_batch_size,
)
from .bias import (  # noqa: F401
    ACTIVATION_NAMES,
    NeuronResponse,
    bias_explorer,
    bias_summary,
    decision_line,
    firing_region,
    neuron_response,
    plot_bias_threshold,
    side_counts,
)
from .common import (  # noqa: F401
    HINT_MAX_CHARS,
    NOT_RUN_HINT,
    explorer_box,
)
from .data import (  # noqa: F401
    batch_explorer,
    batch_plan,
    digit_explorer,
    digit_view,
)
from .learning_rate import (  # noqa: F401
    DIVERGENCE_FACTOR,
    OPTIMIZER_CHOICES,
    SURFACES,
    Bowl,
    Surface,
    SurfaceRun,
    Valley,
    learning_rate_explorer,
    make_optimizer,
    optimize_on_surface,
)
