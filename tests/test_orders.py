"""fit's visiting order (nn.orders): one formula, computed in Python (eager fit) and
by numpy (compiled fit), giving the same permutation."""

import itertools
import random
from collections import Counter

import pytest

import nn
from nn.orders import GAMMA, MASK, epoch_order, epoch_order_array, mix, run_seed
from nn.training import steps


def test_the_python_and_the_numpy_order_are_the_same_permutation():
    np = pytest.importorskip("numpy")
    seeds = [0, 1, MASK, 2**63, run_seed("abc"), run_seed(b"\x00"), run_seed(12345)]
    for n, seed, epoch in itertools.product([1, 2, 3, 7, 256, 1000, 2049], seeds, [0, 1, 49, 10**6]):
        python = epoch_order(n, seed, epoch)
        array = epoch_order_array(np, n, seed, epoch)
        assert array.dtype == np.intp
        assert python == array.tolist(), (n, seed, epoch)
        assert sorted(python) == list(range(n))


def test_mix_is_splitmix64s_finisher():
    # splitmix64's first outputs for state 0 (Vigna's reference splitmix64.c: next() adds γ, then mixes)
    assert [mix(i * GAMMA & MASK) for i in (1, 2, 3)] == [
        0xE220A8397B1DCDAF,
        0x6E789E6AA1B965F4,
        0x06C45D188009454F,
    ]


def test_the_order_is_the_seeds_and_changes_from_epoch_to_epoch():
    a = run_seed(7)
    assert epoch_order(100, a, 0) == epoch_order(100, run_seed(7), 0)
    assert epoch_order(100, a, 0) != epoch_order(100, a, 1)
    assert epoch_order(100, a, 0) != epoch_order(100, run_seed(8), 0)
    assert run_seed(None) != run_seed(None)  # no seed: a fresh order each run


def test_every_order_of_four_samples_is_about_as_likely():
    # 24 orders, 4800 runs: each about 200 times. A key formula that leaked the index into the
    # key (mix left out) or reused one run's keys would put some orders far from 200.
    counts = Counter(tuple(epoch_order(4, run_seed(s), 0)) for s in range(4800))
    assert len(counts) == 24
    assert min(counts.values()) > 140 and max(counts.values()) < 260, counts
    # and where sample 0 lands in epoch 1 does not follow where it landed in epoch 0
    seeds = [run_seed(s) for s in range(4800)]
    pairs = Counter((epoch_order(4, s, 0).index(0), epoch_order(4, s, 1).index(0)) for s in seeds)
    assert min(pairs.values()) > 200 and max(pairs.values()) < 400, pairs


def test_eager_and_compiled_steps_give_fit_the_same_order():
    pytest.importorskip("numpy")
    model = nn.MLP(2, [1], activation="linear", seed=0)
    xs, ys = [[float(i), 1.0] for i in range(9)], [0.0] * 9
    eager = steps(model, xs, ys)
    compiled = steps(model, xs, ys, compile=True)
    with compiled:
        for epoch in range(3):
            seed = random.getrandbits(64)
            assert list(eager.order(9, seed, epoch)) == list(compiled.order(9, seed, epoch))
        assert list(compiled.order(9, None, 0)) == list(range(9)) == list(eager.order(9, None, 0))
