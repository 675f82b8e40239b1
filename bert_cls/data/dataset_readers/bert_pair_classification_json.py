import logging
from typing import Dict, Iterable, List, Optional, Tuple, Union

from allennlp.common.checks import ConfigurationError
from allennlp.data.dataset_readers import DatasetReader
from allennlp.data.fields import Field, LabelField, TextField
from allennlp.data.instance import Instance
from allennlp.data.token_indexers import TokenIndexer
from allennlp.data.tokenizers import Token, Tokenizer
from overrides import overrides

from bert_cls.common.special_tokens import SEP
from bert_cls.data.dataset_readers.checked_text_classification_json import DEFAULT_IGNORED_KEYS
from bert_cls.data.dataset_readers.json_lines import JsonLinesChecker
from bert_cls.data.dataset_readers.located_label_field import with_located_label
from bert_cls.data.token_indexers.pretrained_bert_indexer import PretrainedBertIndexer
from bert_cls.data.tokenizers.bert_basic_tokenizer import BertBasicTokenizer
from bert_cls.data.tokenizers.special_token_text import (
    check_special_tokens_in_text,
    split_special_token_text,
)

logger = logging.getLogger(__name__)


class BadPairTextError(ValueError):
    """
    A text of a pair that cannot be used: it has no words, or (with `special_tokens_in_text:
    "keep"`) it holds the `[SEP]` token, which would start a third segment.
    """


@DatasetReader.register("bert_pair_classification_json")
class BertPairClassificationJsonReader(DatasetReader):
    """
    Reads sentence pairs and their labels for BERT from JSON lines such as
    `{"text": "...", "text_pair": "...", "label": "..."}`, checked as the
    `checked_text_classification_json` reader checks its lines (every error names the file, the
    line and the problem; both texts must be non-empty strings).

    Each instance has a `tokens` `TextField` holding the words of the text, a `[SEP]` token and the
    words of the text pair, and a `label` `LabelField` when the line has a label (read, checked and
    located as the `checked_text_classification_json` reader's labels, `label_line` included). The
    `bert-pretrained` indexer turns it into `[CLS] text [SEP] pair [SEP]`, with type ids 0 for
    `[CLS] text [SEP]` and 1 for `pair [SEP]`, so it works with `bert_for_classification` as is.
    Typed text is text: a special-token string typed in either text (`[SEP]`, `[CLS]`, ...) is
    split as ordinary characters (`[`, `SEP`, `]`; see
    `bert_cls.data.tokenizers.special_token_text`), so the reader's own `[SEP]` is the only
    segment boundary. When the indexer can read its BERT's config, a BERT with fewer than 2
    token types (`type_vocab_size`) is refused at construction.

    When the pair has more than `max_pieces` wordpieces (`[CLS]` and both `[SEP]` included), the
    reader trims it, so that the indexer never has to cut (which could drop the whole second
    text): it drops whole words from the end of the text with more wordpieces, one word at a time,
    until the pair fits; on a tie, from the text pair. The reader counts wordpieces with the
    `bert-pretrained` indexer among its `token_indexers`, which it therefore needs. Trimming is
    reported in one warning.

    Registered as a `DatasetReader` with name "bert_pair_classification_json".

    # Parameters

    token_indexers : `Dict[str, TokenIndexer]`
        Must hold a `bert-pretrained` indexer (the first one is used to count wordpieces).
    tokenizer : `Tokenizer`, optional (default = `BertBasicTokenizer()`)
        Splits each text into words. A text without words is an error (`BadPairTextError`, a
        `ValueError`; from a file, a `JsonLinesError` naming the line).
    max_pieces : `int`, optional (default = `None`)
        The most wordpieces of a pair, `[CLS]` and both `[SEP]` included. `None` means the
        `max_pieces` of the `bert-pretrained` indexer when it truncates, and no trimming when it
        cuts windows (`truncate_long_sequences` false). It can be smaller than the indexer's, not
        larger when the indexer truncates.
    skip_label_indexing : `bool`, optional (default = `False`)
        Labels are integers, used as they are (see `text_classification_json`).
    text_key : `str`, optional (default = `"text"`)
        The key of the first text.
    text_pair_key : `str`, optional (default = `"text_pair"`)
        The key of the second text.
    label_key : `str`, optional (default = `"label"`)
        The key of the label.
    require_labels : `bool`, optional (default = `True`)
        Whether every line needs a label; set it to `False` to read unlabelled data.
    ignored_keys : `List[str]`, optional (default = `None`)
        Further keys a line may have without a warning. `None` means `["id"]`.
    special_tokens_in_text : `str`, optional (default = `"split"`)
        `"split"`: special-token strings in a text are split as ordinary characters (see above).
        `"keep"`: they are kept as the tokenizer made them; a text holding `[SEP]` is then an
        error (`BadPairTextError`), as it would start a third segment.
    """

    def __init__(
        self,
        token_indexers: Dict[str, TokenIndexer],
        tokenizer: Tokenizer = None,
        max_pieces: Optional[int] = None,
        skip_label_indexing: bool = False,
        text_key: str = "text",
        text_pair_key: str = "text_pair",
        label_key: str = "label",
        require_labels: bool = True,
        ignored_keys: Optional[List[str]] = None,
        special_tokens_in_text: str = "split",
        **kwargs,
    ) -> None:
        super().__init__(
            manual_distributed_sharding=True, manual_multiprocess_sharding=True, **kwargs
        )
        check_special_tokens_in_text(special_tokens_in_text)
        if text_key == text_pair_key:
            raise ConfigurationError(f"text_key and text_pair_key are both {text_key!r}.")
        self._token_indexers = token_indexers
        self._tokenizer = tokenizer or BertBasicTokenizer()
        self._bert_indexer = _bert_indexer(token_indexers)
        self._configured_max_pieces = _check_max_pieces(max_pieces, self._bert_indexer)
        self._skip_label_indexing = skip_label_indexing
        self._text_key = text_key
        self._text_pair_key = text_pair_key
        self._split_special_tokens = special_tokens_in_text == "split"
        self._checker = JsonLinesChecker(
            text_keys=[text_key, text_pair_key],
            label_key=label_key,
            require_labels=require_labels,
            skip_label_indexing=skip_label_indexing,
            ignored_keys=DEFAULT_IGNORED_KEYS if ignored_keys is None else ignored_keys,
        )
        self._warned_about_trimming = False

    @property
    def special_tokens_in_text(self) -> str:
        """What typed special-token strings become: `"split"` (text) or `"keep"` (refused)."""
        return "split" if self._split_special_tokens else "keep"

    @property
    def word_tokenizer(self) -> Tokenizer:
        """The tokenizer that splits each text into words."""
        return self._tokenizer

    @property
    def text_key(self) -> str:
        return self._text_key

    @property
    def text_pair_key(self) -> str:
        return self._text_pair_key

    @property
    def max_pieces(self) -> Optional[int]:
        """
        The most wordpieces of a pair, or `None` for no trimming. Never more than a truncating
        indexer's `max_pieces`, which a predictor may lower to its model's BERT after this reader
        was built.
        """
        indexer = self._bert_indexer
        if not indexer.truncate_long_sequences:
            return self._configured_max_pieces
        if self._configured_max_pieces is None:
            return indexer.max_pieces
        return min(self._configured_max_pieces, indexer.max_pieces)

    @overrides
    def _read(self, file_path) -> Iterable[Instance]:
        for line in self._checker.read(file_path, self.shard_iterable):
            try:
                instance = self.text_to_instance(
                    line.texts[self._text_key], line.texts[self._text_pair_key], line.label
                )
            except BadPairTextError as error:
                raise line.error(str(error)) from error
            yield with_located_label(instance, line, self._skip_label_indexing)

    # DatasetReader.text_to_instance takes `*inputs`; a reader names its own.
    @overrides(check_signature=False)
    def text_to_instance(  # type: ignore
        self, text: str, text_pair: str, label: Union[str, int] = None
    ) -> Instance:
        """
        # Parameters

        text : `str`
            The first text.
        text_pair : `str`
            The second text.
        label : `Union[str, int]`, optional (default = `None`)
            The label of the pair.

        # Returns

        An `Instance` with a `tokens` `TextField` (the words of `text`, `[SEP]`, the words of
        `text_pair`, trimmed to `max_pieces` wordpieces) and, given a label, a `label`
        `LabelField`.
        """
        first, first_lengths = self._tokenize(text, self._text_key)
        second, second_lengths = self._tokenize(text_pair, self._text_pair_key)
        max_pieces = self.max_pieces
        if max_pieces is not None:
            kept_first, kept_second = trim_longest_first(
                first_lengths, second_lengths, max_pieces - 3
            )
            if (kept_first, kept_second) != (len(first), len(second)):
                self._warn_about_trimming(sum(first_lengths) + sum(second_lengths) + 3, max_pieces)
                first, second = first[:kept_first], second[:kept_second]
        fields: Dict[str, Field] = {"tokens": TextField(first + [Token(SEP)] + second)}
        if label is not None:
            fields["label"] = LabelField(label, skip_indexing=self._skip_label_indexing)
        return Instance(fields)

    @overrides
    def apply_token_indexers(self, instance: Instance) -> None:
        instance.fields["tokens"]._token_indexers = self._token_indexers  # type: ignore

    def _tokenize(self, text: str, key: str) -> Tuple[List[Token], List[int]]:
        tokens = self._tokenizer.tokenize(text)
        if self._split_special_tokens:
            tokens = split_special_token_text(tokens)
        if not tokens:
            raise BadPairTextError(
                f"{key!r} has no words: it is empty or only whitespace and control characters."
            )
        lengths = []
        for token in tokens:
            pieces = self._bert_indexer.wordpieces(token)
            if SEP in pieces:
                raise BadPairTextError(
                    f"{key!r} holds the separator token {SEP}, which would start a third "
                    "segment; remove it from the text."
                )
            lengths.append(len(pieces))
        return tokens, lengths

    def _warn_about_trimming(self, num_pieces: int, max_pieces: int) -> None:
        if self._warned_about_trimming:
            return
        logger.warning(
            "A pair of %d wordpieces was trimmed to max_pieces=%d, dropping words from the end of "
            "its longer text. This warning is given once.",
            num_pieces,
            max_pieces,
        )
        self._warned_about_trimming = True


def trim_longest_first(
    first_lengths: List[int], second_lengths: List[int], budget: int
) -> Tuple[int, int]:
    """
    How many words of each text to keep so that their wordpieces (`first_lengths` and
    `second_lengths`, one count a word) add up to at most `budget`: words are dropped from the end
    of the text with more wordpieces, on a tie from the second.
    """
    kept_first, kept_second = len(first_lengths), len(second_lengths)
    first_total, second_total = sum(first_lengths), sum(second_lengths)
    while first_total + second_total > budget:
        if first_total > second_total:
            kept_first -= 1
            first_total -= first_lengths[kept_first]
        else:
            kept_second -= 1
            second_total -= second_lengths[kept_second]
    return kept_first, kept_second


def _bert_indexer(token_indexers: Dict[str, TokenIndexer]) -> PretrainedBertIndexer:
    indexer = next(
        (i for i in token_indexers.values() if isinstance(i, PretrainedBertIndexer)), None
    )
    if indexer is None:
        raise ConfigurationError(
            "bert_pair_classification_json needs a 'bert-pretrained' token indexer: it makes the "
            f"type ids of the pair and counts its wordpieces; got {sorted(token_indexers)}."
        )
    if indexer.wordpieces(Token(SEP)) != [SEP]:
        raise ConfigurationError(
            f"The 'bert-pretrained' indexer does not keep the {SEP} token as it is (it gives "
            f"{indexer.wordpieces(Token(SEP))}), so pairs would get no segment ids; keep {SEP} "
            "in its never_lowercase."
        )
    sizes = indexer.bert_table_sizes
    if sizes is not None and sizes.type_vocab_size is not None and sizes.type_vocab_size < 2:
        raise ConfigurationError(
            f"bert_pair_classification_json gives the two texts of a pair type ids 0 and 1, but "
            f"the BERT of '{sizes.config_file}' has type_vocab_size {sizes.type_vocab_size}: it "
            "has no second segment. Use a BERT pretrained on sentence pairs (type_vocab_size 2), "
            "or join the two texts and use checked_text_classification_json."
        )
    return indexer


def _check_max_pieces(max_pieces: Optional[int], indexer: PretrainedBertIndexer) -> Optional[int]:
    if max_pieces is None:
        return None
    if max_pieces < 3:
        raise ConfigurationError(
            f"max_pieces must be at least 3 ([CLS] and two [SEP]), got {max_pieces}."
        )
    if indexer.truncate_long_sequences and max_pieces > indexer.max_pieces:
        raise ConfigurationError(
            f"max_pieces={max_pieces} is more than the 'bert-pretrained' indexer's "
            f"max_pieces={indexer.max_pieces}: the indexer would still cut pairs. Leave max_pieces "
            "out to use the indexer's."
        )
    return max_pieces
