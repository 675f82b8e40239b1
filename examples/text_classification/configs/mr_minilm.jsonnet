local minilm = import "minilm.libsonnet";

minilm(dataset="mr", max_pieces=64, num_epochs=4, lr=5e-5)
