/*
  configs/bert_for_classification.jsonnet trained by AllenNLP's multi-node distributed data
  parallel: two nodes of one CPU worker process each (gloo backend), here both on this machine.
  Start one `allennlp train` per node, each with its own serialization directory, the same
  primary port, and its rank; from the project root:
      allennlp train configs/distributed/bert_for_classification_2nodes.jsonnet -s /tmp/node0 \
          --node-rank 0 -o '{"distributed.primary_port": 29500}' &
      allennlp train configs/distributed/bert_for_classification_2nodes.jsonnet -s /tmp/node1 \
          --node-rank 1 -o '{"distributed.primary_port": 29500}'

  Each node builds the vocabulary from the data itself, and each worker reads every other line
  of the training and validation files. The primary (node 0) holds the trained model: its
  serialization directory gets `model.tar.gz`. On several machines, set `primary_address` to
  node 0's address, reachable from the others (see the README section "Distributed training").

  Kept out of configs/ itself, as bert_for_classification_2cpu.jsonnet is (the "distributed" key
  is read by `allennlp train` alone).
*/
local base = import '../bert_for_classification.jsonnet';

base + {
  "distributed": { "cuda_devices": [-1], "num_nodes": 2, "primary_address": "127.0.0.1" },
}
