local minilm = import "minilm.libsonnet";

minilm(dataset="r8", max_pieces=256, num_epochs=4, lr=5e-5)
