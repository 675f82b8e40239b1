from typing import Dict, Optional, Tuple, Union

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import TextFieldTensors, Vocabulary
from allennlp.models.model import Model
from allennlp.nn import InitializerApplicator, RegularizerApplicator
from allennlp.training.metrics import CategoricalAccuracy
from pytorch_pretrained_bert.modeling import BertModel

from bert_cls.modules.bert_loading import load_bert_model


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
    dropout : `float`, optional (default = `0.0`)
        Dropout applied to the pooled output before the Linear layer.
    num_labels : `int`, optional (default = `None`)
        How many output classes to predict. If not provided, we use the vocab size of
        `label_namespace`.
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
        **kwargs,
    ) -> None:
        super().__init__(vocab, regularizer, **kwargs)

        if isinstance(bert_model, str):
            self.bert_model = load_bert_model(bert_model)
        else:
            self.bert_model = bert_model

        for param in self.bert_model.parameters():
            param.requires_grad = trainable

        self._label_namespace = label_namespace
        # As in the original, a falsy num_labels (None or 0) means "ask the vocabulary".
        out_features = num_labels or vocab.get_vocab_size(namespace=label_namespace)
        if out_features < 1:
            raise ConfigurationError(
                f"bert_for_classification has no labels: num_labels is not set and the "
                f"vocabulary namespace '{label_namespace}' is empty."
            )

        self._dropout = torch.nn.Dropout(p=dropout)
        self._classification_layer = torch.nn.Linear(self.bert_model.config.hidden_size, out_features)
        self._accuracy = CategoricalAccuracy()
        self._loss = torch.nn.CrossEntropyLoss()
        self._index = index
        initializer(self._classification_layer)

    def forward(  # type: ignore
        self, tokens: TextFieldTensors, label: torch.IntTensor = None
    ) -> Dict[str, torch.Tensor]:
        """
        # Parameters

        tokens : `TextFieldTensors`
            From a `TextField` whose token indexer `index` is a `"bert-pretrained"` indexer:
            `tokens[index]` holds `token_ids`, `type_ids` and `wordpiece_mask`. The flat layout
            of AllenNLP 0.9 (`tokens[index]` the ids, `tokens[index + "-type-ids"]`) is accepted too.
        label : `torch.IntTensor`, optional (default = `None`)
            From a `LabelField`.

        # Returns

        An output dictionary consisting of:

        logits : `torch.FloatTensor`
            A tensor of shape `(batch_size, num_labels)` representing unnormalized log
            probabilities of the label.
        probs : `torch.FloatTensor`
            A tensor of shape `(batch_size, num_labels)` representing probabilities of the label.
        loss : `torch.FloatTensor`, optional
            A scalar loss to be optimised, when `label` is given.
        """
        input_ids, token_type_ids, input_mask = self._bert_inputs(tokens)
        _, pooled = self.bert_model(
            input_ids=input_ids,
            token_type_ids=token_type_ids,
            attention_mask=input_mask,
            output_all_encoded_layers=False,
        )
        logits = self._classification_layer(self._dropout(pooled))
        probs = torch.nn.functional.softmax(logits, dim=-1)
        output_dict = {"logits": logits, "probs": probs}

        if label is not None:
            output_dict["loss"] = self._loss(logits, label.long().view(-1))
            self._accuracy(logits, label)

        return output_dict

    def _bert_inputs(self, tokens: TextFieldTensors) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
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
        self._check_fits_bert(input_ids)
        return input_ids, token_type_ids, input_mask.long()

    def _check_fits_bert(self, input_ids: torch.Tensor) -> None:
        config = self.bert_model.config
        if input_ids.size(-1) > config.max_position_embeddings:
            raise ConfigurationError(
                f"A batch has {input_ids.size(-1)} wordpieces per row, more than this BERT's "
                f"max_position_embeddings ({config.max_position_embeddings}). Set the indexer's "
                f"max_pieces to at most {config.max_position_embeddings} and keep "
                f"truncate_long_sequences true."
            )
        if input_ids.numel() and int(input_ids.max()) >= config.vocab_size:
            raise ConfigurationError(
                f"Wordpiece id {int(input_ids.max())} is outside this BERT's embedding table "
                f"(vocab_size {config.vocab_size}): the indexer's vocabulary does not belong to "
                f"this BERT. Point the indexer's pretrained_model at the model's own vocab.txt."
            )

    def make_output_human_readable(self, output_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """
        Does a simple argmax over the probabilities, converts each index to its string label
        (or `str(index)` when the label vocabulary has no entry for it), and adds the list under
        `"label"`. Works for a batch (2-D `probs`) and for one instance (1-D `probs`).
        """
        probs = output_dict["probs"]
        rows = probs if probs.dim() == 2 else probs.unsqueeze(0)
        index_to_label = self.vocab.get_index_to_token_vocabulary(self._label_namespace)
        output_dict["label"] = [index_to_label.get(i, str(i)) for i in rows.argmax(dim=-1).tolist()]
        return output_dict

    def decode(self, output_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """The AllenNLP 0.9 name of `make_output_human_readable`."""
        return self.make_output_human_readable(output_dict)

    def get_metrics(self, reset: bool = False) -> Dict[str, float]:
        return {"accuracy": self._accuracy.get_metric(reset)}
