import logging
import os
from typing import Dict, List, Optional, Tuple, Union

import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import TextFieldTensors, Vocabulary
from allennlp.models.model import _DEFAULT_WEIGHTS, Model
from allennlp.nn import InitializerApplicator, RegularizerApplicator
from allennlp.training.metrics import CategoricalAccuracy
from overrides import overrides
from pytorch_pretrained_bert.modeling import BertModel

from bert_cls.common.wordpiece_vocabulary import add_wordpieces
from bert_cls.models.bert_archival import (
    BERT_CONFIG_BUFFER,
    archived_bert_config_in_use,
    bert_config_buffer,
    building_from_archive,
    check_bert_model_is_reachable,
    read_archived_bert_config,
)
from bert_cls.modules.bert_input_limits import check_ids_in_tables, cut_rows_to_length
from bert_cls.modules.bert_loading import bert_model_from_config, load_pretrained_bert
from bert_cls.modules.fast_bert import cls_pooled_output, fuse_bert_model, packed_pooled_output
from bert_cls.modules.onnx_bert import DEFAULT_THREADS, OnnxClassifierSession
from bert_cls.modules.window_pooling import check_window_pooling, pool_windows, split_into_windows
from bert_cls.training.class_weights import (
    ClassWeights,
    class_weight_tensor,
    class_weights_are_known,
)
from bert_cls.training.metrics import PerLabelF1

logger = logging.getLogger(__name__)

# The most labels an error message names.
MAX_LABELS_NAMED = 20


@Model.register("bert_for_classification")
class BertForClassification(Model):
    """
    An AllenNLP Model that runs pretrained BERT, takes the pooled output, and adds a Linear layer
    on top. If you want an easy way to use BERT for classification, this is it. It expects the
    wordpieces of the `"bert-pretrained"` token indexer (`bert_cls.data.token_indexers`), named
    by `index`.

    Registered as a `Model` with name "bert_for_classification".

    See `configs/bert_for_classification.jsonnet` for an example of what your config might look
    like.

    # Parameters

    vocab : `Vocabulary`
    bert_model : `Union[str, BertModel]`
        The BERT model to be wrapped. If a string is provided, it is loaded by
        `bert_cls.modules.bert_loading.load_bert_model`: a local directory or `.tar.gz` in
        pytorch-pretrained-bert or Hugging Face layout, or a shortcut name such as
        `"bert-base-uncased"` that is already cached locally. Each model gets its own copy.
        The checkpoint's `vocab.txt` (or, for a shortcut name, its cached vocabulary) is put
        into `vocab`'s "bert" namespace, and BERT's configuration into the model's state dict,
        so that the model's archive holds all it needs to predict: loaded from an archive, the
        model never reads this checkpoint (see `bert_cls.models.bert_archival`).
    dropout : `float`, optional (default = `0.0`)
        Dropout applied to the pooled output before the Linear layer.
    num_labels : `int`, optional (default = `None`)
        How many output classes to predict. If not provided, we use the vocab size of
        `label_namespace`; if provided, it must be at least that size.
    index : `str`, optional (default = `"bert"`)
        The name of the token indexer that generates the BERT indices.
    label_namespace : `str`, optional (default = `"labels"`)
        Used to determine the number of classes if `num_labels` is not supplied, and to turn
        predicted indices into label strings.
    trainable : `bool`, optional (default = `True`)
        If True, the weights of the pretrained BERT model are updated during training.
        Otherwise they are frozen and only the final Linear layer is trained.
    initializer : `InitializerApplicator`, optional (default = `InitializerApplicator()`)
        If provided, used to initialize the final Linear layer *only*.
    regularizer : `RegularizerApplicator`, optional (default = `None`)
        If provided, used to calculate the regularization penalty during training.
    window_pooling : `str`, optional (default = `None`)
        How to classify an input that the indexer cut into windows
        (`truncate_long_sequences: false`): each window (`[CLS] ... [SEP]`) goes through BERT,
        dropout and the Linear layer on its own, all windows of a batch in one BERT batch, and
        the logits of an instance's windows are pooled by `"mean"` or `"max"` into its logits.
        Windows are found in the wordpiece ids themselves (a window starts at each `[CLS]` that
        follows a `[SEP]`), so their length need not be configured here; a window longer than
        BERT's `max_position_embeddings` is a `ConfigurationError`. `None` runs BERT once over
        each whole row, as the original did: a row longer than `max_position_embeddings` (an
        indexer whose `max_pieces` is too large for this BERT, as in archives whose indexer could
        not read the BERT's config) is cut to that length, keeping its final `[SEP]`, with one
        warning per model.
    class_weights : `Union[Dict[str, float], str]`, optional (default = `None`)
        Weights of the classes in the cross-entropy loss: a mapping of label to weight (labels
        not named weigh 1.0), or `"balanced"`: `n_samples / (n_classes * count)` for each label,
        from the label counts of the instances the vocabulary was built from (with
        `allennlp train`, the datasets in `datasets_for_vocab_creation`, by default all of them;
        set it to `["train"]` to count the training data only). The weights are computed once,
        here, and kept in the model's state dict (`_loss.weight`), so a loaded archive has them
        without any counts. `None` is the plain, unweighted loss.
    per_label_metrics : `bool`, optional (default = `False`)
        If True, `get_metrics` also reports `<label>-precision`, `<label>-recall` and
        `<label>-f1` for each output class (named by its label, or by its index beyond the
        vocabulary's labels), and `macro-f1`, the mean of their F1 (usable as
        `validation_metric: "+macro-f1"`).
    fused_layers : `bool`, optional (default = `True`)
        If True, BERT's layer norms run as `torch.nn.LayerNorm` and its GELU as
        `torch.nn.functional.gelu`, attention scales and masks its scores inside one batched
        product, and training keeps less for the backward pass
        (`bert_cls.modules.fast_bert.fuse_bert_model`), in training and inference: the same
        computation in fewer, fused kernels. The parameters keep their names and values, so the
        state dict and archives are exactly those of the plain pytorch-pretrained-bert model,
        and load into either; outputs and gradients agree up to float rounding. A `BertModel`
        object given as `bert_model` is changed in place. False keeps pytorch-pretrained-bert's
        own Python layer norm, GELU and attention.
    padding_free_inference : `bool`, optional (default = `True`)
        If True, inference (eval mode with autograd off: `torch.no_grad()` or
        `torch.inference_mode()`, as AllenNLP's predictors and `evaluate` run it) goes through
        `bert_cls.modules.fast_bert.packed_pooled_output`: every per-position step of BERT
        (projections, feed-forward, layer norms) runs on the real wordpieces only, packed
        together, and only attention sees the padded batch. The same logits and probabilities
        up to float rounding, for fused, plain and int8-quantized layers. Training and autograd
        (e.g. AllenNLP's saliency interpreters) run the plain forward, as does a batch whose
        first position (`[CLS]`) is masked. False always runs the plain forward.
    cls_only_last_layer : `bool`, optional (default = `True`)
        If True, BERT's last layer is computed at the `[CLS]` position alone
        (`bert_cls.modules.fast_bert.cls_pooled_output`), in training and inference: the pooler
        reads nothing else, so the other positions' last-layer work is skipped, with the same
        logits and gradients up to float rounding. False runs pytorch-pretrained-bert's own
        forward over every position, as the original did.
    """

    default_predictor = "bert_for_classification"

    def __init__(
        self,
        vocab: Vocabulary,
        bert_model: Union[str, BertModel],
        dropout: float = 0.0,
        num_labels: int = None,
        index: str = "bert",
        label_namespace: str = "labels",
        trainable: bool = True,
        initializer: InitializerApplicator = InitializerApplicator(),
        regularizer: Optional[RegularizerApplicator] = None,
        window_pooling: Optional[str] = None,
        class_weights: Optional[ClassWeights] = None,
        per_label_metrics: bool = False,
        fused_layers: bool = True,
        padding_free_inference: bool = True,
        cls_only_last_layer: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(vocab, regularizer, **kwargs)
        if window_pooling is not None:
            check_window_pooling(window_pooling)
        self._label_namespace = label_namespace
        out_features = self._number_of_classes(num_labels)

        archived_config = archived_bert_config_in_use()
        if archived_config is not None:
            # Loading an archive: BERT's weights come from the archive, its config came with them.
            self.bert_model = bert_model_from_config(archived_config)
        elif isinstance(bert_model, str):
            pretrained = load_pretrained_bert(bert_model)
            self.bert_model = pretrained.model
            if pretrained.wordpieces is not None:
                # Saved with the vocabulary, so the archive holds the indexer's vocabulary too.
                add_wordpieces(vocab, pretrained.wordpieces, f"'{pretrained.vocab_file}'")
        else:
            self.bert_model = bert_model
        self.register_buffer(
            BERT_CONFIG_BUFFER, bert_config_buffer(self.bert_model.config.to_dict())
        )

        if fused_layers:
            fuse_bert_model(self.bert_model)

        for param in self.bert_model.parameters():
            param.requires_grad = trainable

        self._dropout = torch.nn.Dropout(p=dropout)
        # Registered as `_classification_layer`, the name in state dicts and archives.
        self._classification_layer = torch.nn.Linear(
            self.bert_model.config.hidden_size, out_features
        )
        self._accuracy = CategoricalAccuracy()
        self._per_label_f1 = (
            PerLabelF1(self._label_names(out_features)) if per_label_metrics else None
        )
        weights = None
        if class_weights is not None:
            weights = class_weight_tensor(class_weights, vocab, label_namespace, out_features)
        # The weights are a buffer of the loss module, so the state dict (and an archive) has them.
        self._loss = torch.nn.CrossEntropyLoss(weight=weights)
        self._index = index
        self._window_pooling = window_pooling
        self._warned_about_long_rows = False
        self._padding_free_inference = padding_free_inference
        self._cls_only_last_layer = cls_only_last_layer
        # Set by `use_onnx_runtime`: inference runs BERT and the Linear layer through it.
        self._onnx_session: Optional[OnnxClassifierSession] = None
        initializer(self._classification_layer)

    # Archives written before BERT's config was stored lack it; they load from `bert_model`.
    authorized_missing_keys = [f"^{BERT_CONFIG_BUFFER}$"]

    @classmethod
    @overrides
    def _load(
        cls,
        config: Params,
        serialization_dir: Union[str, os.PathLike],
        weights_file: Optional[Union[str, os.PathLike]] = None,
        cuda_device: int = -1,
    ) -> Model:
        """
        Loads a trained model (see `bert_cls.models.bert_archival`): BERT is built from the
        configuration stored in the weights and filled with them, without reading the pretrained
        checkpoint that `bert_model` names. An archive written before bert_cls stored that
        configuration loads from `bert_model` as before; when that path does not resolve, the
        `ConfigurationError` names the override to use.
        """
        weights = weights_file or os.path.join(serialization_dir, _DEFAULT_WEIGHTS)
        archived_config = read_archived_bert_config(weights)
        if archived_config is None:
            check_bert_model_is_reachable(config)
            return super()._load(config, serialization_dir, weights_file, cuda_device)
        with building_from_archive(archived_config):
            return super()._load(config, serialization_dir, weights_file, cuda_device)

    @property
    def classification_layer(self) -> torch.nn.Module:
        """
        The Linear layer from BERT's pooled output (`(batch, hidden_size)`) to the logits
        (`(batch, num_labels)`); after `quantize_int8` with an empty `keep_float`, its int8
        replacement.
        """
        return self._classification_layer

    @property
    def padding_free_inference(self) -> bool:
        """
        Whether inference takes the padding-free path (the parameter of that name), on which a
        batch's padding costs next to nothing. `False` while inference runs through ONNX Runtime
        (`use_onnx_runtime`), which computes every padded position.
        """
        return self._padding_free_inference and self._onnx_session is None

    @property
    def label_namespace(self) -> str:
        """The vocabulary namespace of the labels: output index `i` is its label `i`."""
        return self._label_namespace

    @property
    def index(self) -> str:
        """The name of the `bert-pretrained` token indexer whose wordpieces the model reads."""
        return self._index

    @property
    def window_pooling(self) -> Optional[str]:
        """How the logits of an input's windows are pooled (`"mean"`, `"max"`), or `None`."""
        return self._window_pooling

    @property
    def onnx_session(self) -> Optional[OnnxClassifierSession]:
        """The ONNX Runtime session inference runs through (`use_onnx_runtime`), or `None`."""
        return self._onnx_session

    def use_onnx_runtime(self, int8: bool = False, threads: int = DEFAULT_THREADS) -> None:
        """
        From now on, inference (eval mode with autograd off, as the predictor runs) computes the
        logits of each BERT row with ONNX Runtime: BERT, the pooler and the classification layer
        are exported to ONNX as they are now, optimized by ONNX Runtime's transformers optimizer
        and, with `int8`, quantized by its dynamic int8 quantization
        (`bert_cls.modules.onnx_bert.OnnxClassifierSession.from_bert`); the session runs on
        `threads` intra-op threads. Everything else (inputs, checks, `window_pooling`, `probs`,
        labels, metrics) is the model's own. Training and autograd still run torch, so the
        session does not follow weights changed afterwards: call this after training. Raises
        `OnnxNotInstalled` without the `onnx` extra, and `ConfigurationError` for a model
        quantized to int8 in torch.
        """
        self._onnx_session = OnnxClassifierSession.from_bert(
            self.bert_model, self._classification_layer, int8=int8, threads=threads
        )

    def _number_of_classes(self, num_labels: Optional[int]) -> int:
        vocab_size = self.vocab.get_vocab_size(namespace=self._label_namespace)
        # As in the original, a falsy num_labels (None or 0) means "ask the vocabulary".
        if not num_labels:
            if vocab_size < 1:
                raise ConfigurationError(
                    f"bert_for_classification has no labels: num_labels is not set and the "
                    f"vocabulary namespace '{self._label_namespace}' is empty."
                )
            return vocab_size
        if num_labels < vocab_size:
            raise ConfigurationError(
                f"num_labels is {num_labels}, but the vocabulary namespace "
                f"'{self._label_namespace}' has {vocab_size} labels: every label needs an output. "
                f"Raise num_labels to at least {vocab_size}, or leave it unset."
            )
        return num_labels

    def _label_names(self, num_classes: int) -> List[str]:
        index_to_label = self.vocab.get_index_to_token_vocabulary(self._label_namespace)
        return [index_to_label.get(i, str(i)) for i in range(num_classes)]

    # Model.forward takes `*inputs`; a model names its own, so only the name is checked.
    @overrides(check_signature=False)
    def forward(  # type: ignore
        self,
        tokens: TextFieldTensors,
        label: torch.IntTensor = None,
        label_line: Optional[List[str]] = None,
    ) -> Dict[str, torch.Tensor]:
        """
        # Parameters

        tokens : `TextFieldTensors`
            From a `TextField` whose token indexer `index` is a `"bert-pretrained"` indexer:
            `tokens[index]` holds `token_ids`, `type_ids` and `wordpiece_mask`. The flat layout
            of AllenNLP 0.9 (`tokens[index]` the ids, `tokens[index + "-type-ids"]`) is accepted
            too.
        label : `torch.IntTensor`, optional (default = `None`)
            From a `LabelField`. A label outside `[0, num_labels)` (an integer label with
            `skip_label_indexing`) is a `ConfigurationError` naming it and the classes.
        label_line : `List[str]`, optional (default = `None`)
            Where each label was read (`"<file>, line <n>"`), from the checked readers' `label_line`
            field; only used to name the line of a label outside the model's classes.

        Wordpiece ids and type ids outside BERT's embedding tables (`vocab_size`,
        `type_vocab_size`) are a `ConfigurationError` naming the id, the table's size and the fix
        (`bert_cls.modules.bert_input_limits.check_ids_in_tables`).

        # Returns

        An output dictionary consisting of:

        logits : `torch.FloatTensor`
            A tensor of shape `(batch_size, num_labels)` representing unnormalized log
            probabilities of the label. With `window_pooling`, each row pools the logits of the
            instance's windows.
        probs : `torch.FloatTensor`
            A tensor of shape `(batch_size, num_labels)` representing probabilities of the label.
        loss : `torch.FloatTensor`, optional
            A scalar loss to be optimised, when `label` is given.
        """
        input_ids, token_type_ids, input_mask = self._bert_inputs(tokens)
        if self._window_pooling is None:
            input_ids, token_type_ids, input_mask = self._fit_rows_to_bert(
                input_ids, token_type_ids, input_mask
            )
            logits = self._classify(input_ids, token_type_ids, input_mask)
        else:
            logits = self._classify_by_windows(input_ids, token_type_ids, input_mask)
        probs = torch.nn.functional.softmax(logits, dim=-1)
        output_dict = {"logits": logits, "probs": probs}

        if label is not None:
            self._check_labels_are_classes(label, logits.size(-1), label_line)
            self._check_class_weights_are_known()
            output_dict["loss"] = self._loss(logits, label.long().view(-1))
            self._accuracy(logits, label)
            if self._per_label_f1 is not None:
                self._per_label_f1(logits, label)

        return output_dict

    def _classify(
        self, input_ids: torch.Tensor, token_type_ids: torch.Tensor, input_mask: torch.Tensor
    ) -> torch.Tensor:
        if self._onnx_session is not None and not self.training and not torch.is_grad_enabled():
            return self._onnx_session(input_ids, token_type_ids, input_mask)
        if self._uses_packed_inference(input_mask):
            pooled = packed_pooled_output(
                self.bert_model, input_ids, token_type_ids, input_mask, self._cls_only_last_layer
            )
        elif self._cls_only_last_layer:
            pooled = cls_pooled_output(self.bert_model, input_ids, token_type_ids, input_mask)
        else:
            _, pooled = self.bert_model(
                input_ids=input_ids,
                token_type_ids=token_type_ids,
                attention_mask=input_mask.long(),
                output_all_encoded_layers=False,
            )
        return self._classification_layer(self._dropout(pooled))

    def _uses_packed_inference(self, input_mask: torch.Tensor) -> bool:
        return (
            self._padding_free_inference
            and not self.training
            and not torch.is_grad_enabled()
            and input_mask.numel() > 0
            and bool(input_mask[:, 0].all())
        )

    def _classify_by_windows(
        self, input_ids: torch.Tensor, token_type_ids: torch.Tensor, input_mask: torch.Tensor
    ) -> torch.Tensor:
        windows = split_into_windows(input_ids, token_type_ids, input_mask)
        self._check_windows_fit_bert(windows.token_ids)
        window_logits = self._classify(windows.token_ids, windows.type_ids, windows.mask)
        return pool_windows(window_logits, windows.windows_per_row, self._window_pooling)

    def _check_class_weights_are_known(self) -> None:
        weights = self._loss.weight
        if weights is not None and not class_weights_are_known(weights):
            raise ConfigurationError(
                "class_weights 'balanced' needs the label counts of the training data, but the "
                "vocabulary this model was built with holds none (it was loaded from files, not "
                "built from instances), and no saved weights were loaded. Build the vocabulary "
                "from the training instances, or give class_weights as a mapping."
            )

    def _bert_inputs(
        self, tokens: TextFieldTensors
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if self._index not in tokens:
            raise ConfigurationError(
                f"bert_for_classification has index '{self._index}', but the batch holds no "
                f"token indexer of that name; indexers present: {sorted(tokens)}. Set the model's "
                f"'index' to the name of your 'bert-pretrained' indexer."
            )
        indexed = tokens[self._index]
        if isinstance(indexed, torch.Tensor):
            input_ids = indexed
            token_type_ids = tokens.get(f"{self._index}-type-ids")  # type: ignore
            input_mask = None
        else:
            input_ids = indexed["token_ids"]
            token_type_ids = indexed.get("type_ids")
            input_mask = indexed.get("wordpiece_mask")
        if input_mask is None:
            input_mask = input_ids != 0
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        check_ids_in_tables(self.bert_model.config, input_ids, token_type_ids)
        return input_ids, token_type_ids, input_mask.bool()

    def _fit_rows_to_bert(
        self, input_ids: torch.Tensor, token_type_ids: torch.Tensor, input_mask: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        max_positions = self.bert_model.config.max_position_embeddings
        if input_ids.size(-1) <= max_positions:
            return input_ids, token_type_ids, input_mask
        if not self._warned_about_long_rows:
            logger.warning(
                "A batch has %d wordpieces per row, more than this BERT's max_position_embeddings "
                "(%d): rows that long are cut to their first %d wordpieces and their final [SEP]. "
                "Set the indexer's max_pieces to at most %d (or, to classify long inputs by "
                "windows, the indexer's truncate_long_sequences to false and the model's "
                'window_pooling to "mean" or "max"). This warning is given once.',
                input_ids.size(-1),
                max_positions,
                max_positions - 1,
                max_positions,
            )
            self._warned_about_long_rows = True
        return cut_rows_to_length(input_ids, token_type_ids, input_mask, max_positions)

    def _check_labels_are_classes(
        self, label: torch.Tensor, num_classes: int, label_line: Optional[List[str]]
    ) -> None:
        labels = label.view(-1)
        outside = ((labels < 0) | (labels >= num_classes)).nonzero().view(-1)
        if not outside.numel():
            return
        row = int(outside[0])
        where = f"{label_line[row]}: gold" if label_line else "Gold"
        names = self._label_names(num_classes)
        known = ", ".join(names[:MAX_LABELS_NAMED])
        if len(names) > MAX_LABELS_NAMED:
            known += ", ..."
        raise ConfigurationError(
            f"{where} label {int(labels[row])} is not one of this model's {num_classes} classes "
            f"(labels it knows: {known}). With "
            f"skip_label_indexing, labels are class indices from 0 to num_labels - 1: fix the "
            f"label, or raise the model's num_labels."
        )

    def _check_windows_fit_bert(self, window_ids: torch.Tensor) -> None:
        max_positions = self.bert_model.config.max_position_embeddings
        if window_ids.size(-1) > max_positions:
            raise ConfigurationError(
                f"A window has {window_ids.size(-1)} wordpieces, more than this BERT's "
                f"max_position_embeddings ({max_positions}). Set the indexer's max_pieces to at "
                f"most {max_positions}."
            )

    @overrides
    def make_output_human_readable(
        self, output_dict: Dict[str, torch.Tensor]
    ) -> Dict[str, torch.Tensor]:
        """
        Does a simple argmax over the probabilities, converts each index to its string label
        (or `str(index)` when the label vocabulary has no entry for it), and adds the list under
        `"label"`. Works for a batch (2-D `probs`) and for one instance (1-D `probs`).
        """
        probs = output_dict["probs"]
        rows = probs if probs.dim() == 2 else probs.unsqueeze(0)
        index_to_label = self.vocab.get_index_to_token_vocabulary(self._label_namespace)
        predicted = rows.argmax(dim=-1).tolist()
        output_dict["label"] = [index_to_label.get(i, str(i)) for i in predicted]
        return output_dict

    def decode(self, output_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """The AllenNLP 0.9 name of `make_output_human_readable`."""
        return self.make_output_human_readable(output_dict)

    @overrides
    def get_metrics(self, reset: bool = False) -> Dict[str, float]:
        metrics = {"accuracy": self._accuracy.get_metric(reset)}
        if self._per_label_f1 is not None:
            metrics.update(self._per_label_f1.get_metric(reset))
        return metrics
