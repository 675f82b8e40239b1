/*
  bert_for_classification for imbalanced labels; on the tiny fixtures it trains in seconds. Run
  from the project root:
      allennlp train configs/bert_for_classification_imbalanced.jsonnet -s /tmp/bert_cls_imbalanced

  - `class_weights: "balanced"` weighs each label's loss by n_samples / (n_classes * count), so
    rare labels count as much as frequent ones. The counts are those of the instances the
    vocabulary is built from: `datasets_for_vocab_creation: ["train"]` makes them the training
    data's alone (every label of the validation data must then occur in the training data).
    The weights are computed once and saved in the model archive. A mapping such as
    `{"spam": 3.0}` sets weights by hand instead (labels not named weigh 1.0).
  - `per_label_metrics: true` reports precision, recall and F1 of each label and their mean,
    `macro-f1`, which picks the best epoch here (`validation_metric: "+macro-f1"`): accuracy
    rewards always predicting the frequent label, macro-F1 does not.

  The fixtures are balanced (5 "pos", 5 "neg"), so their weights come out 1.0; point the data
  paths at your own data, and follow the header of configs/bert_for_classification.jsonnet for
  the model and the optimizer.
*/
local bert_model = "fixtures/bert";

{
  "dataset_reader": {
    "type": "checked_text_classification_json",
    "tokenizer": { "type": "bert-basic" },
    "token_indexers": {
      "bert": { "type": "bert-pretrained", "pretrained_model": bert_model, "max_pieces": 64 }
    }
  },
  "train_data_path": "fixtures/data/train.jsonl",
  "validation_data_path": "fixtures/data/dev.jsonl",
  "datasets_for_vocab_creation": ["train"],
  "model": {
    "type": "bert_for_classification",
    "bert_model": bert_model,
    "dropout": 0.0,
    "class_weights": "balanced",
    "per_label_metrics": true
  },
  "data_loader": {
    "batch_sampler": { "type": "bucket", "sorting_keys": ["tokens"], "batch_size": 5 }
  },
  "trainer": {
    "optimizer": { "type": "adam", "lr": 0.001 },
    "validation_metric": "+macro-f1",
    "num_epochs": 3,
    "grad_norm": 10.0,
    "patience": 5,
    "cuda_device": -1
  }
}
