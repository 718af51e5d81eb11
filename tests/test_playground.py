"""The playground's compute part (dlcore/course/interactive/playground_data.py and
playground_state.py): features, data, settings, presets, one step, reproducibility by seed and
the exported code, which must build and train the very same network."""

import numpy as np
import pytest

from dlcore.course.interactive import (
    FEATURES,
    PRESETS,
    Playground,
    PlaygroundSettings,
    PlaygroundSettingsError,
    preset,
    run_preset,
)
from dlcore.course.interactive.playground_data import DATASETS, feature_matrix, make_points
from dlcore.course.interactive.playground_state import grid_points
from dlcore.tolerance import assert_close


def test_features_are_the_seven_of_tensorflow_playground():
    P = np.array([[1.0, 2.0], [-3.0, 0.5]], dtype=np.float32)
    X = feature_matrix(P, list(FEATURES))
    x1, x2 = P[:, 0], P[:, 1]
    expected = np.column_stack([x1, x2, x1 * x1, x2 * x2, x1 * x2, np.sin(x1), np.sin(x2)])
    np.testing.assert_array_equal(X, expected)
    np.testing.assert_array_equal(feature_matrix(P, ["x2^2"]), (x2 * x2)[:, None])


@pytest.mark.parametrize("problem, data", [(p, d) for p, ds in DATASETS.items() for d in ds])
def test_every_data_set_fits_the_square_and_repeats_with_its_seed(problem, data):
    X, y = make_points(data, 200, 0.1, seed=3)
    X2, y2 = make_points(data, 200, 0.1, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert X.shape == (200, 2) and np.abs(X).max() < 7.5
    if problem == "classification":
        assert set(np.unique(y)) == {0, 1}
    else:
        assert y.shape == (200, 1) and np.abs(y).max() < 2
    X3, _ = make_points(data, 200, 0.1, seed=4)
    assert not np.array_equal(X, X3)


def test_train_ratio_and_noise_are_used():
    run = Playground(PlaygroundSettings(train_ratio=0.7, n_points=200))
    assert (len(run.P_train), len(run.P_test)) == (140, 60)
    calm = make_points("circles", 200, 0.0, 0)[0]
    radii = np.sort(np.unique(np.round(np.hypot(*calm.T), 4)))
    assert_close(radii, [2.5, 5.0], dtype=np.float32, what="the radii with noise 0")


@pytest.mark.parametrize("changes, words", [
    ({"features": ()}, "no input feature"),
    ({"lr": 0.0}, "learning rate of 0"),
    ({"hidden": (2,) * 7}, "at most 6 hidden layers"),
    ({"hidden": (9,)}, "1 to 8 neurons"),
    ({"data": "plane"}, "classification data sets are"),
    ({"activation": ("tanh",), "hidden": (2, 2)}, "one activation per hidden layer"),
    ({"optimizer": "Nesterov"}, "expected optimizer"),
    ({"noise": 2.0}, "noise"),
])
def test_bad_settings_say_what_to_choose(changes, words):
    with pytest.raises(PlaygroundSettingsError, match=words):
        Playground(PlaygroundSettings(**changes))


def test_every_preset_builds_and_steps():
    for name, (question, _) in PRESETS.items():
        run = Playground(preset(name))
        assert question.endswith(("?", ".")), name
        assert run.epoch == 0 and len(run.train_loss) == 1
        run.step(2)
        assert run.epoch in (1, 2) or run.diverged, name


def test_the_network_is_dlcores_own_and_has_the_chosen_shape():
    from dlcore import Dense, ReLU, Sequential, Tanh

    s = PlaygroundSettings(features=("x1", "x2", "x1^2"), hidden=(5, 3),
                           activation=("ReLU", "tanh"))
    model = Playground(s).model
    assert isinstance(model, Sequential)
    kinds = [type(layer) for layer in model.layers]
    assert kinds == [Dense, ReLU, Dense, Tanh, Dense]
    assert [layer.W.shape for layer in model.layers[::2]] == [(3, 5), (5, 3), (3, 1)]


def test_same_seed_same_start_and_same_run():
    s = PlaygroundSettings(data="moons", hidden=(8, 8), optimizer="Adam", l2=0.001)
    a, b = Playground(s), Playground(s)
    for Wa, Wb in zip(a.weights(), b.weights(), strict=True):
        np.testing.assert_array_equal(Wa, Wb)
    a.step(3)
    b.step(1); b.step(2)  # noqa: E702 - the same epochs in two calls
    for Wa, Wb in zip(a.weights(), b.weights(), strict=True):
        np.testing.assert_array_equal(Wa, Wb)
    assert a.train_loss[-1] == b.train_loss[-1]
    other = Playground(s.replace(seed=1))
    assert not np.array_equal(other.weights()[0], a.weights()[0])


def test_reset_goes_back_to_the_same_start():
    run = Playground(PlaygroundSettings())
    start = [W.copy() for W in run.weights()]
    run.step(5)
    assert not np.array_equal(run.weights()[0], start[0])
    run.reset()
    assert run.epoch == 0
    for W, W0 in zip(run.weights(), start, strict=True):
        np.testing.assert_array_equal(W, W0)


def test_one_step_lowers_the_loss_and_fills_the_gradients():
    run = Playground(preset("squares_circles"))
    before = run.train_loss[-1]
    assert not run.neuron(1, 0).weight_grads.any()
    run.step(1)
    assert run.epoch == 1 and run.train_loss[-1] < before
    view = run.neuron(1, 0, point=(1.0, 2.0))
    assert view.weight_grads.any()
    # its numbers are the network's own: z = x . w + b and a = z at the output
    assert view.inputs == ["x1**2", "x2**2"]
    assert_close(view.input_values, [1.0, 4.0], dtype=np.float32)
    assert_close(view.z, view.input_values @ view.weights + view.bias, dtype=np.float32, n_terms=3)
    assert view.a == pytest.approx(view.z, rel=1e-5)
    assert "z = inputs · weights + bias" in view.text()


def test_neuron_activation_matches_the_pictures():
    run = Playground(PlaygroundSettings(hidden=(3,), activation="ReLU"))
    run.step(2)
    grids = run.neuron_grids(5)
    assert [g.shape for g in grids] == [(2, 5, 5), (3, 5, 5)]
    point = grid_points(5)[7]
    view = run.neuron(1, 2, point=tuple(point))
    assert_close(view.a, grids[1][2].ravel()[7], dtype=np.float32, n_terms=3)
    assert view.a == max(view.z, 0)
    with pytest.raises(ValueError, match="layer 1 has 3 neurons"):
        run.neuron(1, 3)


def test_divergence_keeps_fits_message_and_stops():
    run = run_preset("lr_too_high", 20)
    assert run.diverged and "training diverged" in run.diverged and "lower the learning" in run.diverged
    assert run.step(1) is False
    assert "diverged" in run.summary()
    run.output_grid(8)  # a diverged run can still be drawn (NaN where the weights are gone)
    run.neuron_grids(4)


def test_the_code_builds_the_same_network_and_trains_it_the_same():
    s = PlaygroundSettings(data="xor", features=("x1", "x2", "x1*x2", "sin(x1)"), hidden=(6, 3),
                           activation=("ReLU", "tanh"), optimizer="momentum", lr=0.01, l2=0.003,
                           batch_size=7, train_ratio=0.6, seed=5, noise=0.2)
    run = Playground(s, added_points=[(1.5, -2.0, 1.0), (0.25, 0.5, 0.0)])
    start = run.code(epochs=0)
    space = {}
    exec(start, space)
    for W, W_code in zip(run.weights(), [layer.W.value for layer in space["model"].layers[::2]],
                         strict=True):
        np.testing.assert_array_equal(W, W_code)
    np.testing.assert_array_equal(run.X_train, space["X_train"].astype(run.X_train.dtype))
    run.step(2)
    run.step(3)
    space = {}
    exec(run.code(), space)
    assert "epochs=5" in run.code()
    for W, W_code in zip(run.weights(), [layer.W.value for layer in space["model"].layers[::2]],
                         strict=True):
        np.testing.assert_array_equal(W, W_code)
    assert space["history"].loss[-1] > 0


@pytest.mark.parametrize("data", ["moons", "spiral", "blobs", "plane", "bumps"])
def test_the_code_of_every_data_set_gives_the_same_points(data):
    problem = "regression" if data in ("plane", "bumps") else "classification"
    run = Playground(PlaygroundSettings(problem=problem, data=data, hidden=(2,), n_points=80))
    space = {}
    exec(run.code(epochs=0), space)
    np.testing.assert_array_equal(run.P_train, space["P_train"])
    np.testing.assert_array_equal(run.y_test, space["y_test"])
    np.testing.assert_array_equal(run.weights()[0], space["model"].layers[0].W.value)


def test_regression_output_is_the_value_and_classification_a_probability():
    reg = run_preset("lr_too_high", 30, lr=0.03)
    assert reg.diverged is None and reg.test_loss[-1] < 0.01
    assert reg.test_accuracy is None and "accuracy" not in reg.summary()
    grid = reg.output_grid(9)
    assert abs(grid[0, 0] - -1.0) < 0.1, grid[0, 0]  # the plane (x1 + x2) / 12 at (-6, -6)
    cls = run_preset("squares_circles", 50)
    p = cls.output_grid(9)
    assert ((0 <= p) & (p <= 1)).all() and p[4, 4] > 0.9 and p[0, 0] < 0.1
