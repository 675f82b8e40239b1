local minilm = import "minilm.libsonnet";

minilm(dataset="20ng", max_pieces=256, num_epochs=3, lr=5e-5)
