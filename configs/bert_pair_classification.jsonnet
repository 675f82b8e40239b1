/*
  bert_for_classification on sentence pairs, with the tiny pair fixtures: trains in seconds. Run
  from the project root:
      allennlp train configs/bert_pair_classification.jsonnet -s /tmp/bert_pair_run
      allennlp predict /tmp/bert_pair_run/model.tar.gz fixtures/data/pair_predict.jsonl

  The data are JSON lines, one {"text": ..., "text_pair": ..., "label": ...} object a line. The
  reader puts a [SEP] between the two texts, so the bert-pretrained indexer gives
  [CLS] text [SEP] text_pair [SEP] with type ids 0 then 1. A pair longer than the indexer's
  max_pieces wordpieces is trimmed by the reader, whole words from the end of its longer text
  first, so the indexer never cuts the second text away. Point `bert_model` and the data paths
  at your own as in bert_for_classification.jsonnet.
*/
local bert_model = "fixtures/bert";

{
  "dataset_reader": {
    "type": "bert_pair_classification_json",
    "tokenizer": { "type": "bert-basic" },
    "token_indexers": {
      "bert": { "type": "bert-pretrained", "pretrained_model": bert_model, "max_pieces": 64 }
    }
  },
  "train_data_path": "fixtures/data/pair_train.jsonl",
  "validation_data_path": "fixtures/data/pair_dev.jsonl",
  "model": {
    "type": "bert_for_classification",
    "bert_model": bert_model,
    "dropout": 0.0
  },
  "data_loader": {
    "batch_sampler": { "type": "bucket", "sorting_keys": ["tokens"], "batch_size": 4 }
  },
  "trainer": {
    "optimizer": { "type": "adam", "lr": 0.001 },
    "validation_metric": "+accuracy",
    "num_epochs": 3,
    "grad_norm": 10.0,
    "cuda_device": -1
  }
}
