"""Losses: the documents' numbers, PyTorch's numbers and gradients, and their errors."""

import math
import random

import pytest

import nn
from engine import Value
from engine.testing import gradcheck


def test_documents_mse():
    assert nn.mse_loss([1, 0, 0, 1], [0, 0, 0, 0]).data == 0.5


def test_mse_of_one_prediction_is_the_documents_squared_error():
    y_pred = Value(0.7216325609518421)
    loss = nn.mse_loss(1, y_pred)
    loss.backward()
    assert loss.data == (1 - y_pred.data) ** 2
    assert y_pred.grad == pytest.approx(-2 * (1 - y_pred.data), rel=1e-15)  # ∂L/∂y_pred = −2(1 − y_pred)


def test_losses_pass_gradcheck():
    gradcheck(lambda a, b: nn.mse_loss([1.0, 0.0], [a, b]), [0.3, 0.8])
    gradcheck(lambda a, b: nn.binary_cross_entropy([1.0, 0.0], [a, b]), [0.3, 0.8])
    gradcheck(lambda a, b: nn.hinge_loss([1, -1], [a, b]), [0.3, -0.2])
    gradcheck(lambda a, b, c: nn.cross_entropy([a, b, c], 2), [0.3, -1.0, 2.0])
    gradcheck(lambda a, b, c: nn.cross_entropy([a, b, c], [0.2, 0.3, 0.5]), [0.3, -1.0, 2.0])


def test_hinge_loss_is_micrograds():
    scores, labels = [0.5, -2.0, 3.0], [1, 1, -1]
    expected = sum(max(0.0, 1 - y * s) for y, s in zip(labels, scores, strict=True)) / 3
    assert nn.hinge_loss(labels, scores).data == pytest.approx(expected, rel=1e-15)


def test_bce_clamps_the_log_of_a_saturated_sigmoid_like_pytorch():
    assert nn.binary_cross_entropy(1, Value(0.0)).data == 100.0
    assert nn.binary_cross_entropy([0, 1], [1.0, 1.0]).data == 50.0


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def test_cross_entropy_equals_pytorchs_on_random_logits(torch):
    rng = random.Random(0)
    for _ in range(50):
        n = rng.randint(1, 10)
        logits = [rng.uniform(-30, 30) for _ in range(n)]
        target = rng.randrange(n)
        leaves = [Value(z) for z in logits]
        loss = nn.cross_entropy(leaves, target)
        loss.backward()
        t = torch.tensor([logits], dtype=torch.float64, requires_grad=True)
        reference = torch.nn.functional.cross_entropy(t, torch.tensor([target]))
        reference.backward()
        assert loss.data == pytest.approx(reference.item(), rel=1e-12, abs=1e-13)
        assert [v.grad for v in leaves] == pytest.approx(t.grad[0].tolist(), rel=1e-9, abs=1e-13)


def test_cross_entropy_with_soft_labels_equals_pytorchs(torch):
    logits, probs = [1.0, -0.5, 2.0], [0.1, 0.6, 0.3]
    reference = torch.nn.functional.cross_entropy(
        torch.tensor([logits], dtype=torch.float64), torch.tensor([probs], dtype=torch.float64)
    )
    assert nn.cross_entropy(logits, probs).data == pytest.approx(reference.item(), rel=1e-13)


def test_cross_entropy_is_stable_for_huge_logits(torch):
    loss = nn.cross_entropy([1000.0, -1000.0, 0.0], 1)
    reference = torch.nn.functional.cross_entropy(
        torch.tensor([[1000.0, -1000.0, 0.0]], dtype=torch.float64), torch.tensor([1])
    )
    assert loss.data == reference.item() == 2000.0


def test_bce_and_mse_equal_pytorchs(torch):
    rng = random.Random(1)
    p = [rng.uniform(0.01, 0.99) for _ in range(6)]
    y = [rng.choice([0.0, 1.0]) for _ in range(6)]
    F, tp, ty = (
        torch.nn.functional,
        torch.tensor(p, dtype=torch.float64),
        torch.tensor(y, dtype=torch.float64),
    )
    assert nn.binary_cross_entropy(y, p).data == pytest.approx(
        F.binary_cross_entropy(tp, ty).item(), rel=1e-13
    )
    assert nn.mse_loss(y, p).data == pytest.approx(F.mse_loss(tp, ty).item(), rel=1e-13)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: nn.mse_loss([1, 0], [0.5]), ValueError, "mse_loss: y_true has 2 values but y_pred has 1"),
        (lambda: nn.mse_loss([1], 0.5), ValueError, "both be single values or both lists"),
        (lambda: nn.mse_loss([], []), ValueError, "at least one prediction"),
        (
            lambda: nn.binary_cross_entropy(1, 1.5),
            ValueError,
            "y_pred must be a probability in \\[0, 1\\], got 1.5",
        ),
        (lambda: nn.binary_cross_entropy(2, 0.5), ValueError, r"y_true must be a label in \[0, 1\], got 2.0"),
        (lambda: nn.binary_cross_entropy([1, -1], [0.5, 0.5]), ValueError, r"label in \[0, 1\], got -1.0"),
        (lambda: nn.hinge_loss([0], [0.5]), ValueError, "hinge_loss: labels must be -1 or \\+1, got 0.0"),
        (lambda: nn.cross_entropy([1.0, 2.0], 2), ValueError, "target class 2 is out of range for 2 logits"),
        (lambda: nn.cross_entropy([1.0, 2.0], [1.0]), ValueError, "1 target probabilities for 2 logits"),
        (lambda: nn.cross_entropy([1.0, 2.0], 1.0), TypeError, "class index \\(int\\) or a list"),
        (lambda: nn.cross_entropy(1, [1.0, 2.0]), TypeError, "logits first as in PyTorch"),
    ],
)
def test_bad_loss_arguments_name_what_was_wrong(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_loss_of_a_single_prediction_is_not_averaged_away():
    assert nn.mse_loss(3.0, Value(1.0)).data == 4.0
    assert math.isclose(nn.binary_cross_entropy(1.0, Value(0.5)).data, math.log(2))


@pytest.mark.parametrize("scale", [1.0, 1e3, 1e17, 1e100, 1e300])
def test_cross_entropy_keeps_float64_accuracy_at_any_magnitude(scale):
    torch = pytest.importorskip("torch")
    rng = random.Random(int(math.log10(scale)))
    for _ in range(5):
        raw = [rng.uniform(-0.8, 0.8) * scale for _ in range(4)] + [0.5 * scale]  # two may nearly tie
        logits = [Value(z) for z in raw]
        loss = nn.cross_entropy(logits, 4)
        loss.backward()
        t = torch.tensor(raw, dtype=torch.float64, requires_grad=True)
        theirs = torch.nn.functional.cross_entropy(t.unsqueeze(0), torch.tensor([4]))
        theirs.backward()
        assert loss.data == pytest.approx(theirs.item(), rel=1e-12, abs=1e-300)
        assert [z.grad for z in logits] == pytest.approx(t.grad.tolist(), rel=1e-12, abs=1e-15)
    equal = nn.cross_entropy([Value(scale), Value(scale)], 0)
    assert equal.data == pytest.approx(math.log(2), rel=1e-15)
