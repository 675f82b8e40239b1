from bert_cls.data.dataset_readers.bert_pair_classification_json import (
    BadPairTextError,
    BertPairClassificationJsonReader,
)
from bert_cls.data.dataset_readers.checked_text_classification_json import (
    CheckedTextClassificationJsonReader,
)
from bert_cls.data.dataset_readers.json_lines import JsonLinesError
