"""Learners' data is numpy arrays: arrays and numpy scalars work wherever lists and numbers do."""

import pytest

import engine
import nn
from engine import Value

np = pytest.importorskip("numpy")


def test_fit_trains_on_numpy_arrays():
    X = np.array([[-2.0, -1.0], [25.0, 6.0], [17.0, 4.0], [-15.0, -6.0]])
    Y = np.array([1.0, 0.0, 0.0, 1.0])
    net = nn.MLP(2, [2, 1], "sigmoid", seed=0)
    history = nn.fit(net, X, Y, epochs=50, optimizer=nn.SGD(net.parameters(), lr=0.5), progress=False, seed=0)
    assert history[-1] < history[0]
    assert len(nn.fit(nn.MLP(2, [1], seed=0), np.zeros((4, 2)), np.zeros(4), epochs=1, progress=False)) == 1


def test_losses_take_arrays_and_numpy_scalars():
    assert nn.mse_loss(np.array([1, 0, 0, 1]), np.zeros(4)).data == 0.5
    assert nn.cross_entropy([Value(0.0), Value(0.0)], np.int64(1)).data == pytest.approx(np.log(2))
    assert nn.cross_entropy([0.0, 0.0], np.array([0.5, 0.5])).data == pytest.approx(np.log(2))
    assert nn.binary_cross_entropy(np.float32(1.0), np.float64(0.5)).data == pytest.approx(np.log(2))


def test_optimizers_and_neurons_take_numpy_scalars():
    w = Value(1.0)
    w.grad = 2.0
    nn.SGD([w], lr=np.float32(0.25), momentum=np.float64(0.0)).step()
    assert w.data == 0.5
    neuron = nn.Neuron(1, weights=[2.0], bias=0.0)
    assert neuron(np.float32(1.5)).data == 3.0
    assert neuron(np.array([1.5])).data == 3.0
    layer = nn.Layer(3, 2, seed=0)
    assert [v.data for v in layer(np.array([0.1, 0.2, 0.3], dtype=np.float32))] == [
        v.data for v in layer([float(np.float32(x)) for x in (0.1, 0.2, 0.3)])
    ]


def test_values_take_numpy_bools_as_python_bools():
    assert Value(np.bool_(True)).data == 1.0 == Value(True).data
    assert (Value(2.0) * np.bool_(False)).data == 0.0
    assert engine.dot([Value(1.0)], [np.bool_(True)]).data == 1.0
