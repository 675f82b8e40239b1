"""
Fitting a dataset reader to the model it feeds: the `bert-pretrained` indexers never make more
wordpieces than the model's BERT has positions, also for archives whose indexer could not read
its BERT's config (the path gone, or a vocabulary without a config beside it).
"""

from allennlp.data import DatasetReader
from allennlp.models import Model

from bert_cls.data.token_indexers import PretrainedBertIndexer


def fit_indexers_to_model(dataset_reader: DatasetReader, model: Model) -> None:
    """
    Lowers the `max_pieces` of each `bert-pretrained` indexer of `dataset_reader` to the
    `max_position_embeddings` of `model.bert_model` when it is larger, with one warning
    (`PretrainedBertIndexer.limit_max_pieces`). Does nothing for a model without `bert_model`
    or a reader without `_token_indexers`.
    """
    bert = getattr(model, "bert_model", None)
    if bert is None:
        return
    # AllenNLP's readers keep their indexers under this name; it has no public one.
    indexers = getattr(dataset_reader, "_token_indexers", None) or {}
    for indexer in indexers.values():
        if isinstance(indexer, PretrainedBertIndexer):
            indexer.limit_max_pieces(bert.config.max_position_embeddings, "the model's BERT")
