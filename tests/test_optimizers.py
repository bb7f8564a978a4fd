"""Tests of SGD and Adam in skconv.optimizers, against hand-computed steps."""

import math

import numpy as np
import pytest

from skconv.layers import Dense
from skconv.optimizers import SOLVERS, SGD, Adam, AdamW, scheduled_learning_rate

P0 = [1.0, -2.0]
G1 = [0.5, 1.0]
G2 = [-1.0, 0.25]


def test_sgd_classical_momentum_two_steps_match_hand_computation():
    p = np.array(P0)
    opt = SGD([p], learning_rate_init=0.1, momentum=0.9, nesterov=False)
    opt.update_params([p], [np.array(G1)])
    # v1 = -0.1 * g1 = [-0.05, -0.1];  p1 = p0 + v1
    np.testing.assert_allclose(p, [0.95, -2.1], rtol=1e-14)
    opt.update_params([p], [np.array(G2)])
    # v2 = 0.9 * v1 - 0.1 * g2 = [-0.045 + 0.1, -0.09 - 0.025] = [0.055, -0.115]
    np.testing.assert_allclose(opt.velocities[0], [0.055, -0.115], rtol=1e-14)
    np.testing.assert_allclose(p, [1.005, -2.215], rtol=1e-14)


def test_sgd_nesterov_momentum_two_steps_match_hand_computation():
    p = np.array(P0)
    opt = SGD([p], learning_rate_init=0.1, momentum=0.9, nesterov=True)
    opt.update_params([p], [np.array(G1)])
    # v1 = [-0.05, -0.1]; p1 = p0 + 0.9 * v1 - 0.1 * g1
    #    = [1 - 0.045 - 0.05, -2 - 0.09 - 0.1]
    np.testing.assert_allclose(p, [0.905, -2.19], rtol=1e-14)
    opt.update_params([p], [np.array(G2)])
    # v2 = [0.055, -0.115]; p2 = p1 + 0.9 * v2 - 0.1 * g2
    #    = [0.905 + 0.0495 + 0.1, -2.19 - 0.1035 - 0.025]
    np.testing.assert_allclose(p, [1.0545, -2.3185], rtol=1e-14)


def test_sgd_without_momentum_is_plain_gradient_descent():
    p = np.array(P0)
    opt = SGD([p], learning_rate_init=0.5, momentum=0.0, nesterov=False)
    opt.update_params([p], [np.array(G1)])
    opt.update_params([p], [np.array(G2)])
    np.testing.assert_allclose(p, [1.0 - 0.25 + 0.5, -2.0 - 0.5 - 0.125], rtol=1e-14)


def test_adam_two_steps_match_hand_computation():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    p = np.array(P0)
    opt = Adam([p], learning_rate_init=lr, beta_1=b1, beta_2=b2, epsilon=eps)

    opt.update_params([p], [np.array(G1)])
    # m1 = 0.1 * g1 = [0.05, 0.1]; v1 = 0.001 * g1**2 = [0.00025, 0.001]
    # step1 = 0.1 * sqrt(1 - 0.999) / (1 - 0.9) = sqrt(0.001)
    # With eps ~ 0 the first Adam step is lr * sign(g): p1 ~ [0.9, -2.1].
    step1 = math.sqrt(0.001)
    p1 = [
        1.0 - step1 * 0.05 / (math.sqrt(0.00025) + eps),
        -2.0 - step1 * 0.1 / (math.sqrt(0.001) + eps),
    ]
    np.testing.assert_allclose(p, p1, rtol=1e-13)
    np.testing.assert_allclose(p, [0.9, -2.1], rtol=1e-6)
    np.testing.assert_allclose(opt.ms[0], [0.05, 0.1], rtol=1e-14)
    np.testing.assert_allclose(opt.vs[0], [0.00025, 0.001], rtol=1e-14)

    opt.update_params([p], [np.array(G2)])
    # m2 = 0.9 * m1 + 0.1 * g2 = [0.045 - 0.1, 0.09 + 0.025] = [-0.055, 0.115]
    # v2 = 0.999 * v1 + 0.001 * g2**2 = [0.00024975 + 0.001, 0.000999 + 0.0000625]
    # step2 = 0.1 * sqrt(1 - 0.999**2) / (1 - 0.9**2) = 0.1 * sqrt(0.001999) / 0.19
    m2 = [-0.055, 0.115]
    v2 = [0.00124975, 0.0010615]
    step2 = 0.1 * math.sqrt(0.001999) / 0.19
    p2 = [p1[i] - step2 * m2[i] / (math.sqrt(v2[i]) + eps) for i in range(2)]
    np.testing.assert_allclose(opt.ms[0], m2, rtol=1e-13)
    np.testing.assert_allclose(opt.vs[0], v2, rtol=1e-13)
    np.testing.assert_allclose(p, p2, rtol=1e-13)
    assert opt.t == 2


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, nesterov=True),
        lambda ps: SGD(ps, nesterov=False),
        lambda ps: Adam(ps),
    ],
    ids=["sgd-nesterov", "sgd", "adam"],
)
def test_float32_parameters_stay_float32_and_are_updated_in_place(make):
    rng = np.random.RandomState(0)
    params = [
        rng.normal(size=(2, 3)).astype(np.float32),
        rng.normal(size=3).astype(np.float32),
    ]
    originals = list(params)
    before = [p.copy() for p in params]
    opt = make(params)
    for _ in range(3):
        grads = [rng.normal(size=p.shape).astype(np.float32) for p in params]
        opt.update_params(params, grads)
    for param, original, old in zip(params, originals, before):
        assert param is original
        assert param.dtype == np.float32
        assert not np.array_equal(param, old)
    state = getattr(opt, "velocities", None) or opt.ms + opt.vs
    assert all(s.dtype == np.float32 for s in state)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_update_reaches_layer_parameters_through_shared_arrays(solver):
    layer = Dense(3)
    layer.build((2,), np.random.RandomState(0), np.float64)
    params = list(layer.params.values())
    W_before = layer.params["W"].copy()
    opt = SOLVERS[solver](params)
    opt.update_params(params, [np.ones_like(p) for p in params])
    # The layer's own arrays moved against the gradient.
    assert np.all(layer.params["W"] < W_before)
    assert np.all(layer.params["b"] < 0)
    assert layer.params["W"] is params[0]


def test_optimizers_minimise_a_quadratic():
    # A sanity check of sign conventions: both solvers walk downhill.
    for solver in ("sgd", "adam"):
        p = np.array([3.0, -4.0])
        opt = SOLVERS[solver]([p], learning_rate_init=0.05)
        for _ in range(500):
            opt.update_params([p], [2 * p])  # gradient of ||p||^2
        assert np.linalg.norm(p) < 1e-2, solver


def test_solvers_table_maps_names():
    assert SOLVERS == {"sgd": SGD, "adam": Adam, "adamw": AdamW}


def test_adamw_decays_weights_before_the_adam_step():
    p = np.array(P0)
    frozen = np.array(P0)  # its decay_mask entry is False: plain Adam
    opt = AdamW([p, frozen], learning_rate_init=0.1, weight_decay=0.5,
                decay_mask=[True, False])
    opt.update_params([p, frozen], [np.array(G1), np.array(G1)])
    # Decay: p * (1 - 0.1 * 0.5) = 0.95 p. First Adam step: m = 0.1 g,
    # v = 0.001 g**2, step size lr * sqrt(0.001) / 0.1, so the step is
    # lr * g / (|g| + eps / sqrt(0.001)), about 0.1 * sign(g).
    step = 0.1 * np.array(G1) / (np.abs(G1) + 1e-8 / math.sqrt(0.001))
    np.testing.assert_allclose(p, 0.95 * np.array(P0) - step, rtol=1e-12)
    np.testing.assert_allclose(frozen, np.array(P0) - step, rtol=1e-12)


def test_adamw_without_decay_equals_adam():
    a, b = np.array(P0), np.array(P0)
    adamw = AdamW([a], learning_rate_init=0.01, weight_decay=0.0)
    adam = Adam([b], learning_rate_init=0.01)
    for g in (G1, G2):
        adamw.update_params([a], [np.array(g)])
        adam.update_params([b], [np.array(g)])
    np.testing.assert_array_equal(a, b)


def test_learning_rate_schedules():
    common = dict(max_iter=10, t=99, power_t=0.5)
    assert scheduled_learning_rate("constant", 0.1, epoch=3, **common) == 0.1
    assert scheduled_learning_rate("invscaling", 0.1, epoch=3, **common) == pytest.approx(0.01)
    cosine = [scheduled_learning_rate("cosine", 0.1, epoch=e, **common) for e in range(12)]
    assert cosine[0] == pytest.approx(0.1)
    assert cosine[5] == pytest.approx(0.05)
    assert cosine[10] == pytest.approx(0.0) and cosine[11] == pytest.approx(0.0)
    assert all(a >= b for a, b in zip(cosine, cosine[1:]))


@pytest.mark.parametrize("solver", ["sgd", "adam", "adamw"])
def test_state_pickled_as_per_parameter_lists_loads_and_continues_identically(solver):
    # skconv 0.1 pickled the momenta as one array per parameter; the state
    # is now one flat array per kind, and such pickles must continue alike.
    rng = np.random.RandomState(0)
    params = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    grads = [[rng.normal(size=p.shape) for p in params] for _ in range(3)]
    opt = SOLVERS[solver]([p.copy() for p in params])
    ours = [p.copy() for p in params]
    for g in grads[:2]:
        opt.update_params(ours, g)
    old_state = {k: v for k, v in opt.__dict__.items() if k not in ("_shapes",)}
    for name in opt._state_names:
        old_state[name] = [view.copy() for view in getattr(opt, name)]
        del old_state["_" + name]
    loaded = type(opt).__new__(type(opt))
    loaded.__setstate__(old_state)
    theirs = [p.copy() for p in ours]
    opt.update_params(ours, grads[2])
    loaded.update_params(theirs, grads[2])
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
    for name in opt._state_names:
        for a, b in zip(getattr(opt, name), getattr(loaded, name)):
            np.testing.assert_array_equal(a, b)
