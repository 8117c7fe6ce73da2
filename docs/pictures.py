"""Draw the pictures the README shows into docs/: `python docs/pictures.py` (or `make pictures`).

The gallery is what the demos write (their full runs, about a minute in
all); the two engine pictures that no demo draws are drawn here.
"""

import random
import shutil
import tempfile
from pathlib import Path

import demos
import nn
from demos.networks import SeedNetwork
from engine.viz import draw_dot

HERE = Path(__file__).parent
GALLERY = {
    "seed_network": [
        "alice_dL_dw1.svg",
        "alice_dL_dw1.png",
        "alice_backward.gif",
        "alice_backward.html",
        "loss_curve.png",
    ],
    "activations": ["activations.png"],
    "moons": ["moons_boundary.png"],
    "digits": ["digit_weights.png", "digits_confusion.png"],
    "mnist": ["mnist_weights.png"],
}


def main() -> None:
    with tempfile.TemporaryDirectory() as out:
        for name, files in GALLERY.items():
            demos.run(name, out=out)
            for file in files:
                print(shutil.copyfile(Path(out) / file, HERE / file))

    alice = SeedNetwork()  # every weight 1, every bias 0
    net = alice.loss((-2.0, -1.0), 1.0)  # sample Alice
    net.L.backward()
    # the first hidden neuron, with the gradients L.backward() left in it
    pictures = {"alice_h1_graph": draw_dot(net.h1, parameters=alice.parameters())}
    model = nn.MLP(784, [16, 16, 10], seed=0)
    rng = random.Random(0)
    loss = nn.mse_loss([0.0] * 3 + [1.0] + [0.0] * 6, model([rng.random() for _ in range(784)]))
    loss.label = "L"
    loss.backward()
    pictures["mlp_784_16_16_10"] = draw_dot(loss, parameters=model.parameters())
    for name, picture in pictures.items():
        for fmt in ("svg", "png"):  # the SVG at its natural size, the PNG at the demos' DPI
            picture.attr(dpi=str(demos.report.DPI) if fmt == "png" else "72")
            print(picture.render(HERE / name, format=fmt, cleanup=True))


if __name__ == "__main__":
    main()
