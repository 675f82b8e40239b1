local minilm = import "minilm.libsonnet";

minilm(dataset="r52", max_pieces=256, num_epochs=5, lr=5e-5)
