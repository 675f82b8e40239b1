/*
  all-MiniLM-L6-v2 on Reuters R52 (52 topics, many with only a handful of training documents).
  256 wordpieces, as for R8; one epoch more than R8 (5) so that the rare topics are seen more
  often, at the same lr 5e-5. The kept epoch is the best on validation. See minilm.libsonnet.
*/
local minilm = import "minilm.libsonnet";

minilm(dataset="r52", max_pieces=256, num_epochs=5, lr=5e-5)
