# A small MLP trained for a few steps: micrograd's four examples, MSE, SGD.
# show(plot(history)) draws the loss curve in the output as the cell runs.
import nn

xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys = [1.0, -1.0, -1.0, 1.0]
model = nn.MLP(3, [4, 4, 1], activation="tanh", seed=0)
history = nn.fit(model, xs, ys, "mse", nn.SGD(model.parameters(), lr=0.05), epochs=20,
                 batch_size=4, progress=False)
print("loss by epoch:", " ".join(f"{h:.3f}" for h in history[::4]), "…", f"{history[-1]:.4f}")
show(plot(history, "loss by epoch"))
print("predictions:", [round(model(x).data, 3) for x in xs])

# The trained network's loss on the four examples, back-propagated afresh: every
# gradient in the picture is this loss's (training's leftovers zeroed first).
loss = nn.mse_loss(ys, [model(x) for x in xs]); loss.label = "loss"
model.zero_grad()
loss.backward()
loss
