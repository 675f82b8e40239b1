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

  Everything else is configs/bert_for_classification.jsonnet, imported below. The fixtures are
  balanced (5 "pos", 5 "neg"), so their weights come out 1.0; point the data paths at your own
  data, and follow the header of configs/bert_for_classification.jsonnet for the model and the
  optimizer.
*/
local base = import 'bert_for_classification.jsonnet';

base + {
  "datasets_for_vocab_creation": ["train"],
  "model"+: {
    "class_weights": "balanced",
    "per_label_metrics": true
  },
  "trainer"+: { "validation_metric": "+macro-f1" }
}
