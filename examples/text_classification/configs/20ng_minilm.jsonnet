/*
  all-MiniLM-L6-v2 on 20 Newsgroups (20 groups). Posts are longer than Reuters stories, so 256
  wordpieces (the subject and the opening of the post; 512 costs about three times as much a
  batch), and 3 epochs: this data set alone takes about half of the table's time budget on
  2 CPU cores. lr 5e-5 as for the others; the kept epoch is the best on validation. See
  minilm.libsonnet.
*/
local minilm = import "minilm.libsonnet";

minilm(dataset="20ng", max_pieces=256, num_epochs=3, lr=5e-5)
