"""save and load: exact round trips, atomic writes, and every bad file rejected with its reason."""

import json
import os

import pytest

import nn
from engine import Value


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.Neuron(3, "sigmoid", seed=0),
        lambda: nn.Layer(3, 2, "prelu", seed=1),
        lambda: nn.MLP(4, [5, 3, 2], ["tanh", "leaky_relu", "linear"], seed=2),
        lambda: nn.MLP(784, [16, 16, 10], seed=3),
    ],
)
def test_save_then_load_round_trips_exactly(tmp_path, make):
    model = make()
    path = tmp_path / "model.json"
    nn.save(model, path)
    back = nn.load(path)
    assert type(back) is type(model)
    assert back.config() == model.config()
    assert back.state_dict() == model.state_dict()  # every float bit for bit
    assert [p.label for p in back.parameters()] == [p.label for p in model.parameters()]


def test_saved_file_is_readable_json(tmp_path):
    path = tmp_path / "net.json"
    nn.save(nn.MLP(2, [2, 1], "sigmoid", seed=0), path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "chainrule.nn" and document["version"] == 1
    assert document["model"] == "MLP"
    assert document["config"] == {"nin": 2, "nouts": [2, 1], "activation": ["sigmoid", "sigmoid"]}
    assert list(document["state"])[:3] == ["L1.N1.w1", "L1.N1.w2", "L1.N1.b"]


def test_load_leaves_the_global_random_state_alone(tmp_path):
    import random

    nn.save(nn.MLP(3, [4, 1], seed=0), tmp_path / "m.json")
    random.seed(5)
    expected = random.random()
    random.seed(5)
    nn.load(tmp_path / "m.json")
    assert random.random() == expected


def test_a_crash_mid_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    nn.save(nn.MLP(2, [2, 1], seed=0), path)
    before = path.read_bytes()

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        nn.save(nn.MLP(2, [2, 1], seed=1), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.json"]  # no temporary file left behind


def test_save_refuses_non_finite_parameters_and_writes_nothing(tmp_path):
    model = nn.Neuron(2, seed=0)
    model.w[1].data = float("nan")
    with pytest.raises(ValueError, match="parameter w2 is nan; JSON holds only finite numbers"):
        nn.save(model, tmp_path / "n.json")
    assert os.listdir(tmp_path) == []


def test_saved_file_has_a_normal_files_mode(tmp_path):
    path = tmp_path / "m.json"
    nn.save(nn.Neuron(1, seed=0), path)
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def good_document():
    model = nn.MLP(2, [2, 1], "sigmoid", seed=0)
    return {
        "format": "chainrule.nn",
        "version": 1,
        "model": "MLP",
        "config": model.config(),
        "state": model.state_dict(),
    }


def _drop(key):
    def change(d):
        del d[key]

    return change


BAD_TEXTS = {
    "truncated": (lambda text: text[: len(text) // 2], "not valid JSON .*the file may be truncated"),
    "empty": (lambda text: "", "not valid JSON"),
    "not an object": (lambda text: "[1, 2]", "not a chainrule model file"),
}
BAD_DOCUMENTS = {
    "other format": (lambda d: d.update(format="keras"), "not a chainrule model file"),
    "newer version": (lambda d: d.update(version=2), "format version 2; this chainrule reads version 1"),
    "no state": (_drop("state"), "the 'state' entry is missing"),
    "unknown model": (lambda d: d.update(model="CNN"), "unknown model 'CNN'; expected one of"),
    "config not an object": (lambda d: d.update(config=[2, 1]), "config must be a JSON object"),
    "bad activation": (
        lambda d: d["config"].update(activation=["sigmoid", "swish"]),
        "cannot build MLP from config .*unknown activation 'swish'",
    ),
    "extra config key": (lambda d: d["config"].update(seed=3), "cannot build MLP from config"),
    "float size": (lambda d: d["config"].update(nin=2.0), "nin must be a positive int, got 2.0"),
    "wrong architecture": (
        lambda d: d["config"].update(nouts=[3, 1]),
        "state dict does not match MLP\\(2, \\[3, 1\\].*missing 4 key",
    ),
    "missing parameter": (lambda d: d["state"].pop("L2.N1.b"), "missing 1 key\\(s\\) \\('L2.N1.b'\\)"),
    "extra parameter": (
        lambda d: d["state"].update({"L3.N1.b": 0.0}),
        "unexpected 1 key\\(s\\) \\('L3.N1.b'\\)",
    ),
    "string parameter": (
        lambda d: d["state"].update({"L1.N2.w1": "0.1"}),
        "L1.N2.w1 must be a finite number",
    ),
    "NaN parameter": (
        lambda d: d["state"].update({"L1.N1.b": float("nan")}),
        "L1.N1.b must be a finite number, got nan",
    ),
    "state not an object": (lambda d: d.update(state=[0.1]), "must be a mapping of names to numbers"),
}


def assert_rejected(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as raised:
        nn.load(path)
    assert str(path) in str(raised.value)


@pytest.mark.parametrize("case", BAD_TEXTS)
def test_files_that_are_not_model_json_are_rejected_with_their_reason(tmp_path, case):
    change, message = BAD_TEXTS[case]
    assert_rejected(tmp_path, change(json.dumps(good_document())), message)


@pytest.mark.parametrize("case", BAD_DOCUMENTS)
def test_model_files_that_do_not_add_up_are_rejected_with_their_reason(tmp_path, case):
    change, message = BAD_DOCUMENTS[case]
    document = good_document()
    change(document)
    assert_rejected(tmp_path, json.dumps(document), message)


def test_a_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nothing.json")


def test_save_takes_only_models(tmp_path):
    with pytest.raises(TypeError, match="save takes a Neuron, Layer or MLP, got dict"):
        nn.save({"w": 1.0}, tmp_path / "x.json")


def test_a_class_of_yours_named_mlp_does_not_take_over_loading(tmp_path):
    net = nn.MLP(2, [2, 1], seed=0)
    nn.save(net, tmp_path / "net.json")

    class MLP(nn.Module):  # a user's own class that happens to share the name
        def __init__(self, **config):
            raise AssertionError("nn.load built the user's MLP")

    back = nn.load(tmp_path / "net.json")
    assert type(back) is nn.MLP and back.state_dict() == net.state_dict()
    assert nn.Module.kind_of(MLP).endswith(".MLP") and nn.Module.kind_of(MLP) != "MLP"


def test_a_module_of_yours_without_config_is_described_by_its_name_when_a_state_does_not_fit():
    class Scale(nn.Module):
        def __init__(self):
            self.k = Value(2.0)

        def _members(self):
            return [("k", self.k)]

    with pytest.raises(ValueError, match=r"state dict does not match Scale: missing 1 key\(s\) \('k'\)"):
        Scale().load_state_dict({})


@pytest.mark.parametrize(
    "model, config",
    [
        ("MLP", {"nin": 10**9, "nouts": [10**9], "activation": ["relu"]}),
        ("MLP", {"nin": 1000, "nouts": [1000], "activation": ["prelu"]}),
        ("Layer", {"nin": 10**6, "nout": 10**6, "activation": "tanh"}),
        ("Neuron", {"nin": 10**8, "activation": "linear"}),
    ],
)
def test_a_file_declaring_a_huge_model_is_refused_by_arithmetic_before_anything_is_built(
    tmp_path, monkeypatch, model, config
):
    def no_building(*args, **kwargs):
        raise AssertionError("nn.load built the declared model")

    monkeypatch.setattr(nn.serialize, "_build", no_building)
    document = {"format": "chainrule.nn", "version": 1, "model": model, "config": config, "state": {}}
    assert_rejected(tmp_path, json.dumps(document), r"parameters, but the file holds 0 numbers")


@pytest.mark.parametrize(
    "data, message",
    [
        (b'{"format": "chainrule.nn", "state": {"a": ' + b"9" * 5000 + b"}}", "not valid JSON"),  # huge int
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON \\(nested too deeply\\)"),
        (b'{"format": "chainrule.nn\xff"}', "not valid JSON"),  # invalid UTF-8
    ],
    ids=["huge int literal", "deep nesting", "invalid UTF-8"],
)
def test_malformed_bytes_are_a_value_error_naming_the_file(tmp_path, data, message):
    path = tmp_path / "bad.json"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=message) as raised:
        nn.load(path)
    assert str(path) in str(raised.value)


def test_save_keeps_a_replaced_files_mode_and_never_touches_the_umask(tmp_path, monkeypatch):
    path = tmp_path / "private.json"
    path.write_text("{}")
    path.chmod(0o600)
    monkeypatch.setattr(os, "umask", lambda *a: pytest.fail("nn.save changed the process-wide umask"))
    nn.save(nn.Neuron(1, seed=0), path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert nn.load(path).state_dict() == nn.Neuron(1, seed=0).state_dict()


def test_save_writes_through_a_symlink_and_keeps_the_link(tmp_path):
    real = tmp_path / "real.json"
    nn.save(nn.Neuron(1, seed=0), real)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    nn.save(nn.Neuron(1, seed=5), link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert nn.load(real).state_dict() == nn.Neuron(1, seed=5).state_dict()


@pytest.mark.parametrize("target", ["pipe", "directory"])
def test_save_refuses_what_is_not_a_regular_file_and_leaves_it_alone(tmp_path, target):
    # A named pipe stands in for a device: the old save, run as root, replaced /dev/null with a file.
    path = tmp_path / "pipe" if target == "pipe" else tmp_path
    if target == "pipe":
        os.mkfifo(path)
    before = os.stat(path)
    with pytest.raises(ValueError, match=r"not a regular file; expected a file path or a new one"):
        nn.save(nn.Neuron(1, seed=0), path)
    after = os.stat(path)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]
