/*
  bert_for_classification on inputs longer than BERT takes at once, classified by windows; on the
  tiny fixtures it trains in seconds. Run from the project root:
      allennlp train configs/bert_for_classification_long_documents.jsonnet -s /tmp/bert_cls_long

  The indexer keeps every wordpiece (`truncate_long_sequences: false`): a long input is cut into
  windows of `max_pieces` wordpieces, `[CLS] ... [SEP]` each, that overlap by half. The model runs
  BERT on every window and pools the windows' logits into one prediction per input
  (`window_pooling`: "mean" or "max"). It finds the windows in the wordpieces by itself, so
  `max_pieces` is set in the indexer only.

  `max_pieces` is 8 here so that the fixtures' short sentences get several windows. For your
  data, set it to your BERT's max_position_embeddings (512 for BERT-base) and follow the header
  of configs/bert_for_classification.jsonnet for the model, the data and the optimizer. Every
  window of a batch goes through BERT at once: a smaller `batch_size` bounds the memory.
*/
local bert_model = "fixtures/bert";

{
  "dataset_reader": {
    "type": "checked_text_classification_json",
    "tokenizer": { "type": "bert-basic" },
    "token_indexers": {
      "bert": {
        "type": "bert-pretrained",
        "pretrained_model": bert_model,
        "max_pieces": 8,
        "truncate_long_sequences": false
      }
    }
  },
  "train_data_path": "fixtures/data/train.jsonl",
  "validation_data_path": "fixtures/data/dev.jsonl",
  "model": {
    "type": "bert_for_classification",
    "bert_model": bert_model,
    "dropout": 0.0,
    "window_pooling": "mean"
  },
  "data_loader": {
    "batch_sampler": { "type": "bucket", "sorting_keys": ["tokens"], "batch_size": 5 }
  },
  "trainer": {
    "optimizer": { "type": "adam", "lr": 0.001 },
    "validation_metric": "+accuracy",
    "num_epochs": 3,
    "grad_norm": 10.0,
    "patience": 5,
    "cuda_device": -1
  }
}
