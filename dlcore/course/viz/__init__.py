"""Pictures for the course: images, network diagrams, activations, losses, learning curves.

matplotlib is imported in this package and in ``dlcore.course.interactive`` only, so the core
of dlcore needs NumPy alone. Every function draws on the ``ax`` it is given (or a new one) and
returns the matplotlib object it drew, so a notebook can combine several plots in one figure.

The pictures are grouped by topic, one module each (``data``, ``architecture``, ``loss``,
``propagation``, ``optimizer``, ``training``, ``conv_rnn``); all of them are importable from
here: ``from dlcore.course import viz``, then ``viz.show_image(...)``.

Every function also writes what it drew in words, the figure's alt text, for readers who do not
see the picture; a cell that draws with matplotlib itself gives its own with ``viz.alt(fig,
"...")``. Colours come from a colour-blind-safe palette (``viz.COLORS``), never alone where they
carry meaning. See ``common`` for both.
"""

from .architecture import (  # noqa: F401
    draw_network,
    network_weights,
    plot_activation,
    plot_decision_boundary,
    plot_fits,
    plot_layer_histograms,
    plot_softmax,
)
from .common import (  # noqa: F401
    COLORS,
    CYCLE,
    MARKERS,
    NEGATIVE,
    POSITIVE,
    RIGHT,
    UNDESCRIBED,
    WRONG,
    alt,
    alt_text,
    describe,
    figure_bundle,
    install_figure_formatter,
    plain_text,
    png_bundle,
    series_style,
)
from .conv_rnn import (  # noqa: F401
    draw_convolution_step,
    draw_max_pooling,
    draw_rnn_unrolled,
    draw_window_positions,
    plot_clipping_runs,
    plot_gradient_vs_distance,
    plot_hidden_states,
    plot_next_value_forecast,
    plot_sequence_predictions,
    show_feature_maps,
    show_filters,
)
from .data import (  # noqa: F401
    draw_training_loop,
    plot_class_balance,
    plot_feature_ranges,
    plot_signal,
    show_batches,
    show_frames,
    show_image,
    show_image_grid,
    show_pixel_values,
)
from .loss import (  # noqa: F401
    loss_curve,
    plot_class_probabilities,
    plot_loss_curve,
)
from .optimizer import (  # noqa: F401
    plot_loss_per_step,
    plot_loss_surface,
    plot_path,
    plot_surface_paths,
    plot_surface_runs,
)
from .propagation import (  # noqa: F401
    draw_neuron_graph,
    plot_digit_probabilities,
    plot_gradcheck,
    plot_step_size_errors,
)
from .training import (  # noqa: F401
    plot_batch_size_run,
    plot_confusion_matrix,
    plot_digit_predictions,
    plot_learning_curves,
    plot_runs_by_seed,
)
