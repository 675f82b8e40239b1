/*
  bert_for_classification on sentence pairs, with the tiny pair fixtures: trains in seconds. Run
  from the project root:
      allennlp train configs/bert_pair_classification.jsonnet -s /tmp/bert_pair_run
      allennlp predict /tmp/bert_pair_run/model.tar.gz fixtures/data/pair_predict.jsonl

  The data are JSON lines, one {"text": ..., "text_pair": ..., "label": ...} object a line. The
  reader puts a [SEP] between the two texts, so the bert-pretrained indexer gives
  [CLS] text [SEP] text_pair [SEP] with type ids 0 then 1. A pair longer than the indexer's
  max_pieces wordpieces is trimmed by the reader, whole words from the end of its longer text
  first, so the indexer never cuts the second text away. Everything else is
  configs/bert_for_classification.jsonnet, imported below: point the data paths here at your
  own, and `bert_model` as that config's header says (there, or here by overriding
  `model.bert_model` and the indexer's `pretrained_model`).
*/
local base = import 'bert_for_classification.jsonnet';

base + {
  "dataset_reader"+: { "type": "bert_pair_classification_json" },
  "train_data_path": "fixtures/data/pair_train.jsonl",
  "validation_data_path": "fixtures/data/pair_dev.jsonl",
  "data_loader"+: { "batch_sampler"+: { "batch_size": 4 } },
  // The base's trainer without early stopping (`patience`).
  "trainer": std.objectRemoveKey(base.trainer, "patience")
}
