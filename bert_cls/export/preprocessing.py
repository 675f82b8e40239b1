"""
What a program without AllenNLP needs to know to turn text into the wordpiece ids a
`bert_for_classification` archive was trained on: the settings of its `bert-basic` tokenizer,
its `bert-pretrained` indexer and its reader, as one JSON-ready dict.
"""

from typing import Any, Dict

from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader

from bert_cls.data.dataset_readers import BertPairClassificationJsonReader
from bert_cls.data.token_indexers import PretrainedBertIndexer
from bert_cls.data.tokenizers import BertBasicTokenizer


def bert_indexer_of(reader: DatasetReader, index: str) -> PretrainedBertIndexer:
    """
    The `bert-pretrained` indexer named `index` in `reader`'s token indexers. Raises
    `ConfigurationError` when there is none of that name or it is another kind of indexer.
    """
    # AllenNLP's readers keep their indexers and tokenizer in these attributes.
    indexers = getattr(reader, "_token_indexers", None) or {}
    indexer = indexers.get(index)
    if not isinstance(indexer, PretrainedBertIndexer):
        raise ConfigurationError(
            f"The archive's dataset reader ({type(reader).__name__}) has no 'bert-pretrained' "
            f"token indexer named '{index}' (the model's 'index'); indexers: "
            f"{ {name: type(one).__name__ for name, one in indexers.items()} }."
        )
    return indexer


def preprocessing_settings(reader: DatasetReader, index: str) -> Dict[str, Any]:
    """
    The tokenizer's, indexer's and reader's settings (see the module doc):

    - `tokenizer`: `do_lower_case`, `never_split` (`bert-basic`);
    - `indexer`: `do_lowercase`, `never_lowercase`, `max_pieces`, `truncation_strategy`,
      `head_pieces` (`bert-pretrained`);
    - `reader`: `text_pair` (whether inputs are sentence pairs, joined by `[SEP]`), and for pairs
      `max_pieces`, the most wordpieces of a pair; for single texts `max_sequence_length`, the
      most words kept before wordpieces (`None`: all).

    Raises `ConfigurationError` for what the exported files cannot describe: a tokenizer other
    than `bert-basic`, an indexer that cuts long inputs into windows
    (`truncate_long_sequences: false`), a reader without `index`'s `bert-pretrained` indexer.
    """
    indexer = bert_indexer_of(reader, index)
    if not indexer.truncate_long_sequences:
        raise ConfigurationError(
            f"The token indexer '{index}' has truncate_long_sequences false: it cuts long inputs "
            f"into windows, and the exported model classifies one [CLS] ... [SEP] row per input, "
            f"so windows cannot be exported. Export a model trained with truncation."
        )
    tokenizer = getattr(reader, "word_tokenizer", getattr(reader, "_tokenizer", None))
    if not isinstance(tokenizer, BertBasicTokenizer):
        raise ConfigurationError(
            f"The archive's dataset reader uses the tokenizer {type(tokenizer).__name__}; the "
            f"export describes the 'bert-basic' tokenizer only."
        )
    text_pair = isinstance(reader, BertPairClassificationJsonReader)
    if text_pair:
        reader_settings: Dict[str, Any] = {"text_pair": True, "max_pieces": reader.max_pieces}
    else:
        reader_settings = {
            "text_pair": False,
            "max_sequence_length": getattr(reader, "_max_sequence_length", None),
        }
    # "split": a special-token string typed in a text is tokenized as ordinary characters.
    reader_settings["special_tokens_in_text"] = getattr(reader, "special_tokens_in_text", "keep")
    return {
        "tokenizer": {
            "type": "bert-basic",
            "do_lower_case": tokenizer.do_lower_case,
            "never_split": tokenizer.never_split,
        },
        "indexer": {
            "type": "bert-pretrained",
            "do_lowercase": indexer.do_lowercase,
            "never_lowercase": indexer.never_lowercase,
            "max_pieces": indexer.max_pieces,
            "truncation_strategy": indexer.truncation_strategy,
            "head_pieces": indexer.head_pieces,
        },
        "reader": reader_settings,
    }
