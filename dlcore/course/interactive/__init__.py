"""Widget explorers for the notebooks, and the plain functions that do their work.

Each widget is split in two:

- a *compute* function (plain NumPy, no widgets, no plotting) that takes the slider values and
  returns numbers; pytest tests these directly, and the benchmarks time them;
- a *view* function ``*_explorer(...)`` that builds the ipywidgets sliders, calls the compute
  function on every change and draws the result with matplotlib into a fixed-height ``Output``.

ipywidgets and matplotlib are imported inside the view functions only, so the compute functions
(and the rest of dlcore) work without them. Sliders that retrain a model use
``continuous_update=False`` so the work runs once, when the slider is released.

Two explorers (batch size, learning rate) keep runs side by side for comparison
(``compare.Comparison``) and say in a line of text what their picture shows, for a screen reader.

The view functions work with ipywidgets 7 (the version Colab ships) and 8: they use only widgets,
traits and styles that both have. Each returns an ``explorer_box``: a ``VBox`` whose text form,
saved in the notebook beside the widget, tells a reader who sees it instead of the widget what to
do (see ``NOT_RUN_HINT``).
"""

from .batch_size import (  # noqa: F401
    TIME_REPEATS,
    BatchSizeRun,
    batch_size_choices,
    batch_size_explorer,
    batch_size_summary,
    describe_batch_size_run,
    elapsed_time,
    median_seconds,
    one_blas_thread,
    plot_batch_size_comparison,
    processor_clock,
    smoothed_loss,
    timed_update,
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
from .compare import (  # noqa: F401
    CURRENT_STYLE,
    RUN_STYLES,
    Comparison,
    RunStyle,
    ShownRun,
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
    describe_surface_run,
    learning_rate_explorer,
    learning_rate_summary,
    make_optimizer,
    optimize_on_surface,
    plot_surface_comparison,
)
from .playground_data import (  # noqa: F401
    FEATURES,
    PRESETS,
    PlaygroundSettings,
    PlaygroundSettingsError,
    preset,
)
from .playground_state import NeuronView, Playground, run_preset  # noqa: F401
from .playground_widget import playground  # noqa: F401
