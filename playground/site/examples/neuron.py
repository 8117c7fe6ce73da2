# The documents' neuron: weights [0, 1], bias 4, sigmoid, fed x = [2, 3].
import nn
from engine import Value

neuron = nn.Neuron(2, "sigmoid", weights=[0, 1], bias=4)
a = neuron([Value(2.0, label="x1"), Value(3.0, label="x2")])
a.label = "a"
a.backward()
print("a = σ(0·2 + 1·3 + 4) =", a.data)
a
