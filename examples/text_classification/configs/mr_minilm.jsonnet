/*
  all-MiniLM-L6-v2 on MR (one-sentence movie reviews, positive or negative). 64 wordpieces hold
  every sentence but a rare few whole; short inputs make an epoch cheap, so 4 epochs at lr 5e-5.
  The kept epoch is the best on validation. See minilm.libsonnet.
*/
local minilm = import "minilm.libsonnet";

minilm(dataset="mr", max_pieces=64, num_epochs=4, lr=5e-5)
