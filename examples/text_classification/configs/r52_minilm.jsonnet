/*
  all-MiniLM-L6-v2 on Reuters R52 (52 topics, many with only a handful of training documents).
  256 wordpieces, as for R8; 5 epochs at lr 1e-4. At R8's lr 5e-5, R52 was still underfit after
  5 epochs (training accuracy 0.971, validation accuracy rising every epoch to 0.956, about 20
  rare topics never predicted); twice the rate gets further in the same time. The kept epoch is
  the best on validation. See minilm.libsonnet.
*/
local minilm = import "minilm.libsonnet";

minilm(dataset="r52", max_pieces=256, num_epochs=5, lr=1e-4)
