/*
  bert_for_classification on inputs longer than BERT takes at once, classified by windows; on the
  tiny fixtures it trains in seconds. Run from the project root:
      allennlp train configs/bert_for_classification_long_documents.jsonnet -s /tmp/bert_cls_long

  The indexer keeps every wordpiece (`truncate_long_sequences: false`): a long input is cut into
  windows of `max_pieces` wordpieces, `[CLS] ... [SEP]` each, that overlap by half. The model runs
  BERT on every window and pools the windows' logits into one prediction per input
  (`window_pooling`: "mean" or "max"). It finds the windows in the wordpieces by itself, so
  `max_pieces` is set in the indexer only.

  Everything else is configs/bert_for_classification.jsonnet, imported below. `max_pieces` is 8
  here so that the fixtures' short sentences get several windows. For your data, set it to your
  BERT's max_position_embeddings (512 for BERT-base) and follow the header of
  configs/bert_for_classification.jsonnet for the model, the data and the optimizer. Every
  window of a batch goes through BERT at once: a smaller `batch_size` bounds the memory.
*/
local base = import 'bert_for_classification.jsonnet';

base + {
  "dataset_reader"+: {
    "token_indexers"+: {
      "bert"+: { "max_pieces": 8, "truncate_long_sequences": false }
    }
  },
  "model"+: { "window_pooling": "mean" }
}
