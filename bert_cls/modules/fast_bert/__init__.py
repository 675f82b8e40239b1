"""
The fast path of `bert_for_classification`: ways to run a pytorch-pretrained-bert (ppb) 0.6.2
`BertModel` that compute what its own forward computes (up to float rounding; int8 up to int8
precision) with less work or less memory. Every piece runs BERT's own modules and parameters,
so none changes the state dict or what an archive holds.

Each piece, its module, when it runs, and the `bert_for_classification` switch that turns it off:

- **fused layers** (`fused_layers.fuse_bert_model`): ppb's Python layer norm and GELU become
  torch's fused kernels, and attention scales and masks its scores inside one batched product.
  Training and inference. Off: `fused_layers: false`.
- **lean backward** (`lean_backward`): autograd functions that keep bool dropout masks and
  recompute the dropped-out attention probabilities and the GELU output in the backward pass
  instead of keeping them. Training (autograd on), inside fused layers. Off with the fused
  layers: `fused_layers: false`.
- **`[CLS]`-only last layer** (`cls_last_layer.cls_pooled_output`): the last layer at the
  `[CLS]` position alone, the only one the pooler reads. Training and inference. Off:
  `cls_only_last_layer: false`.
- **packed inference** (`packed_inference.packed_pooled_output`): every per-position step on the
  real wordpieces only, packed into one matrix; attention alone sees the padded batch.
  Inference: eval mode with autograd off, and the first position of every row unmasked. Off:
  `padding_free_inference: false`.
- **int8** (`quantization.quantize_int8`): dynamic int8 quantization, per output channel, of
  BERT's encoder Linear layers, in place. Inference on CPU, opt-in: the predictor's
  `quantize_int8: true`, or calling `quantize_int8`; off unless asked for.

How they combine: `BertForClassification` fuses its BERT once, when it is built
(`fused_layers`), and the lean backward comes with the fused layers. Each forward then takes one
of three paths to the pooled output: packed inference when it applies (with the last layer at
`[CLS]` alone unless `cls_only_last_layer` is false); else, with `cls_only_last_layer`,
`cls_pooled_output`; else ppb's own forward. All three call the layers' own modules, so each
works on fused and plain layers, and on int8 Linear layers after `quantize_int8`.
"""

from bert_cls.modules.fast_bert.cls_last_layer import cls_pooled_output
from bert_cls.modules.fast_bert.fused_layers import (
    FusedBertLayer,
    FusedBertSelfAttention,
    fuse_bert_model,
    is_fused,
)
from bert_cls.modules.fast_bert.lean_backward import BoolMaskDropout
from bert_cls.modules.fast_bert.packed_inference import packed_pooled_output
from bert_cls.modules.fast_bert.quantization import (
    float_linear_names,
    is_quantized_int8,
    quantize_int8,
)
