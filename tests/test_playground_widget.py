"""The playground widget driven from Python (no browser): every control answers, a bad setting
is a message in the widget, play runs in a thread and pause stops it. The real browser test is
tests/test_browser_playground.py."""

import time

import pytest

pytest.importorskip("ipywidgets")

from dlcore.course.interactive import NOT_RUN_HINT, playground  # noqa: E402


def test_buttons_train_pause_step_and_reset():
    pg = playground("squares_circles").playground
    first = pg.image.value
    assert first[:4] == b"\x89PNG" and "epoch 0" in pg.summary.value
    assert "aria-live" in pg.summary.value
    pg.step_button.click()
    assert pg.run.epoch == 1 and "epoch 1 " in pg.summary.value and pg.image.value != first
    pg.play_button.click()
    time.sleep(1.0)
    pg.pause_button.click()
    stopped_at = pg.run.epoch
    assert stopped_at > 1 and pg.frames > 3
    time.sleep(0.3)
    assert pg.run.epoch == stopped_at, "pause must stop the training"
    pg.reset_button.click()
    assert pg.run.epoch == 0 and pg.message.value == ""


def test_bad_settings_are_messages_not_tracebacks():
    pg = playground().playground
    for box in pg.features.values():
        box.value = False
    assert "no input feature" in pg.message.value and pg.run is None
    pg.play_button.click()  # nothing to play: no error either
    pg.step_button.click()
    pg.features["x1^2"].value = True
    assert pg.run is not None and pg.message.value == ""
    assert pg.layers.max == 6 and pg.neurons[0].max == 8 and 0 not in pg.lr.options


def test_divergence_shows_the_course_message():
    pg = playground("lr_too_high").playground
    pg.step_button.click()
    assert "Training diverged" in pg.message.value and "lower the learning rate" in pg.message.value
    assert "diverged" in pg.summary.value


def test_layers_features_neuron_and_code():
    pg = playground("linear_circles").playground
    pg.layers.value = 2
    assert pg.run.settings.hidden == (4, 4)
    pg.neurons[1].value = 3
    assert pg.run.settings.hidden == (4, 3)
    pg.activation.value = "per layer"
    pg.layer_acts[1].value = "ReLU"
    assert pg.run.settings.activation == ("tanh", "ReLU")
    pg.neuron.value = "2.1"
    before = pg.numbers.value
    assert "neuron 2 of hidden layer 2" in before
    pg.px.value = 3.0
    assert pg.numbers.value != before and "x1 = 3.00" in pg.numbers.value
    pg.code_button.click()
    assert "Sequential(" in pg.code.value and "Dense(2, 4" in pg.code.value
    pg.add_button.click()
    assert pg.run.added_points == [(3.0, 0.0, 1.0)] and "added = np.array" in pg.code.value


def test_text_form_is_the_hint():
    assert repr(playground()) == NOT_RUN_HINT.format(what="widget")
