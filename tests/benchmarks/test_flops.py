"""
`benchmarks.flops`: FLOP counting on hand-computed numbers.
"""

from benchmarks import flops


def test_flops_of_a_tiny_bert_by_hand():
    dims = flops.BertDims(hidden=4, intermediate=8, layers=2, num_labels=2)
    # One layer over 10 real tokens:
    #   Q, K, V projections   3 * 2*10*4*4 =  960
    #   Q K^T                 2*10*10*4    =  800
    #   A V                   2*10*4*10    =  800
    #   attention output      2*10*4*4     =  320
    #   feed-forward in, out  2*10*8*4 * 2 = 1280
    assert flops.encoder_layer_flops(10, 4, 8) == 4160
    # The last layer as the pooled output needs it: [CLS] alone but keys and values.
    #   K, V projections      2 * 2*10*4*4 =  640
    #   [CLS] Q projection    2*1*4*4      =   32
    #   q K^T, a V            2 * 2*1*10*4 =  160
    #   attention output      2*1*4*4      =   32
    #   feed-forward in, out  2*1*8*4 * 2  =  128
    assert flops.cls_layer_flops(10, 4, 8) == 992
    # One full layer, the last, the pooler on [CLS] (2*4*4 = 32) and the classifier (2*4*2 = 16).
    assert flops.example_forward_flops(10, dims) == 4160 + 992 + 32 + 16


def test_flops_of_minilm_at_128_tokens():
    dims = flops.BertDims(hidden=384, intermediate=1536, layers=6, num_labels=2)
    per_layer = 113_246_208 + 12_582_912 + 12_582_912 + 37_748_736 + 301_989_888
    assert flops.encoder_layer_flops(128, 384, 1536) == per_layer == 478_150_656
    last = 75_497_472 + 294_912 + 98_304 + 98_304 + 294_912 + 2_359_296
    assert flops.cls_layer_flops(128, 384, 1536) == last == 78_643_200
    assert flops.example_forward_flops(128, dims) == 5 * per_layer + last + 294_912 + 1_536


def test_useful_flops_count_real_tokens_only_and_training_is_three_forwards():
    dims = flops.BertDims(hidden=4, intermediate=8, layers=2, num_labels=2)
    lengths = [10, 3]
    forward = flops.example_forward_flops(10, dims) + flops.example_forward_flops(3, dims)
    assert flops.useful_flops(lengths, dims) == forward
    assert flops.useful_flops(lengths, dims, training=True) == 3 * forward
    # Attention grows with the square of each example's own length, not of the padded batch.
    assert flops.useful_flops([10, 3], dims) < flops.useful_flops([10, 10], dims)
