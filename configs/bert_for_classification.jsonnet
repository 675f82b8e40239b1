/*
  bert_for_classification on the tiny fixtures: trains in seconds. Run from the project root:
      allennlp train configs/bert_for_classification.jsonnet -s /tmp/bert_cls_run

  To train your own BERT classifier with it, change:
  1. `bert_model` below to your BERT: a local directory in Hugging Face layout (config.json,
     model.safetensors or pytorch_model.bin, vocab.txt), one in pytorch-pretrained-bert layout
     (bert_config.json, pytorch_model.bin, vocab.txt), a .tar.gz of either, or a shortcut name
     such as "bert-base-uncased" that is already cached locally. Nothing is downloaded.
  2. the data paths to your JSON-lines files, one {"text": ..., "label": ...} object a line;
     the reader names the file and line of any line it cannot use (or swap in your own reader
     yielding {"tokens": TextField, "label": LabelField});
     the indexer adds [CLS] and [SEP] itself.
  3. `max_pieces` (at most the model's max_position_embeddings, usually 512; shorter is faster),
     and the optimizer: for a real model, "huggingface_adamw" with lr 2e-5 to 5e-5 and a
     "slanted_triangular" learning_rate_scheduler train far better than adam at 0.001.
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
  "model": {
    "type": "bert_for_classification",
    "bert_model": bert_model,
    "dropout": 0.0
  },
  "data_loader": {
    "batch_sampler": { "type": "bucket", "sorting_keys": ["tokens"], "batch_size": 5 }
  },
  // Validation and `allennlp evaluate` (whose --batch-size replaces batch_size here) read the
  // file in order; evaluation runs padding-free, so sorting by length buys little there.
  "validation_data_loader": { "batch_size": 16, "shuffle": false },
  "trainer": {
    "optimizer": { "type": "adam", "lr": 0.001 },
    "validation_metric": "+accuracy",
    "num_epochs": 3,
    "grad_norm": 10.0,
    "patience": 5,
    "cuda_device": -1
  }
}
