from bert_cls.data.dataset_readers import (
    BertPairClassificationJsonReader,
    CheckedTextClassificationJsonReader,
)
from bert_cls.data.token_indexers import PretrainedBertIndexer
from bert_cls.data.tokenizers import BertBasicTokenizer
