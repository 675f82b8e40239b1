"""
What every system in `benchmarks.speed_memory` is measured with: labels, input length, batch
sizes, learning rate, seeds and workload names.
"""

LABELS = ("ham", "spam")
MAX_PIECES = 128  # wordpieces of one input, [CLS] and [SEP] included, for every system
INFER_BATCH_SIZE = 32
TRAIN_BATCH_SIZE = 16
LEARNING_RATE = 2e-5
CLASSIFIER_SEED = 1234
WORKLOAD_SEED = 13
WORKLOADS = ("short", "long")  # inference workloads (see `benchmarks.workloads`)
