"""Neural networks on top of `engine.Value` (Neuron, Layer, MLP): coming in the nn issue."""
