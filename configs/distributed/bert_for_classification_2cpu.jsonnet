/*
  configs/bert_for_classification.jsonnet trained by AllenNLP's distributed data parallel on two
  CPU worker processes (gloo backend) on this machine. Run from the project root:
      allennlp train configs/distributed/bert_for_classification_2cpu.jsonnet -s /tmp/bert_cls_ddp

  Each worker reads every other line of the training and validation files, so each sees
  batches of `batch_size` from half the data: the effective batch size is twice `batch_size`.
  For GPUs, list their ids in `cuda_devices` (nccl backend); for several machines, see the
  README section "Distributed training".

  Kept out of configs/ itself: TrainModel.from_params (as tests/test_configs.py builds every
  config there) does not take the "distributed" key, which only `allennlp train` reads.
*/
local base = import '../bert_for_classification.jsonnet';

base + {
  "distributed": { "cuda_devices": [-1, -1] },
  // Checkpoints that a crash cannot leave half written (bert_cls/training/atomic_checkpointer.py).
  "trainer"+: { "checkpointer": { "type": "atomic" } },
}
