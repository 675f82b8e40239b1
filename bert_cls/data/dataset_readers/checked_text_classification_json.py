from typing import Dict, Iterable, List, Optional

from allennlp.data import Instance
from allennlp.data.dataset_readers import DatasetReader, TextClassificationJsonReader
from allennlp.data.token_indexers import TokenIndexer
from allennlp.data.tokenizers import Tokenizer
from overrides import overrides

from bert_cls.data.dataset_readers.json_lines import JsonLinesChecker
from bert_cls.data.dataset_readers.located_label_field import with_located_label
from bert_cls.data.tokenizers.special_token_text import (
    SpecialTokenTextTokenizer,
    check_special_tokens_in_text,
)

DEFAULT_IGNORED_KEYS = ["id"]


@DatasetReader.register("checked_text_classification_json")
class CheckedTextClassificationJsonReader(TextClassificationJsonReader):
    """
    AllenNLP's `text_classification_json` reader, with its parameters and its instances (a
    `tokens` `TextField` and a `label` `LabelField`), that checks its data file and says where a
    problem is. Each non-blank line must be a JSON object such as `{"text": "...", "label": "..."}`.
    Blank lines are skipped.

    A `JsonLinesError` (both a `ConfigurationError` and a `ValueError`) naming the file and the
    line (counted from 1, blank lines included) is raised for: bytes that are not UTF-8, a line
    that is not valid JSON or not a JSON object, a missing text key (the keys present are listed),
    a text that is not a string or is empty or only whitespace, a missing or `null` label (unless
    `require_labels` is false), a label that is an array, an object or an empty string, a label
    that is not an integer from 0 with `skip_label_indexing`, and a file with no data at all. Keys
    other than the text, the label and `ignored_keys` are reported in one warning per file.

    Labels: surrounding whitespace is stripped (`"pos "` is `"pos"`); labels of one file that
    differ only by surrounding whitespace, case or the spelling of a number (`"Pos"` and `"pos"`,
    `1` and `1.0`) get one warning per file naming each spelling and a line of it. Each label is
    a `LocatedLabelField` that remembers its file and line: indexed with a vocabulary that lacks it
    (`allennlp evaluate` with a label the model never saw), it raises a `JsonLinesError` naming
    them, the label and the labels the vocabulary has. With `skip_label_indexing`, each labelled
    instance also has a `label_line` `MetadataField` (`"<file>, line <n>"`), which the
    `bert_for_classification` model names when the label is not one of its classes.

    Typed text is text: by default (`special_tokens_in_text: "split"`), a token holding one of
    BERT's special-token strings (`[SEP]`, `[CLS]`, `[PAD]`, `[MASK]`, `[UNK]`) is split as
    ordinary characters (`[SEP]` -> `[`, `SEP`, `]`, see
    `bert_cls.data.tokenizers.special_token_text`), whatever the tokenizer, so a typed `[SEP]`
    never starts a second segment and a typed `[CLS]` never becomes BERT's `[CLS]`.

    Registered as a `DatasetReader` with name "checked_text_classification_json".

    # Parameters

    token_indexers : `Dict[str, TokenIndexer]`, optional
        (default = `{"tokens": SingleIdTokenIndexer()}`)
        As in `text_classification_json`.
    tokenizer : `Tokenizer`, optional (default = `SpacyTokenizer()`)
        As in `text_classification_json`.
    segment_sentences : `bool`, optional (default = `False`)
        As in `text_classification_json`.
    max_sequence_length : `int`, optional (default = `None`)
        As in `text_classification_json`: the most tokens (words) kept.
    skip_label_indexing : `bool`, optional (default = `False`)
        As in `text_classification_json`. Labels must then be integers (or strings or numbers
        holding one).
    text_key : `str`, optional (default = `"text"`)
        The key of the text.
    label_key : `str`, optional (default = `"label"`)
        The key of the label.
    require_labels : `bool`, optional (default = `True`)
        Whether every line needs a label. `text_classification_json` silently reads a line
        without one as an unlabelled instance, which in training data is almost always a mistake
        (and fails later, far from the line). Set it to `False` to read unlabelled data, for
        instance with `allennlp predict --use-dataset-reader`.
    ignored_keys : `List[str]`, optional (default = `None`)
        Further keys a line may have without a warning. `None` means `["id"]`.
    special_tokens_in_text : `str`, optional (default = `"split"`)
        `"split"`: special-token strings in a text are split as ordinary characters (see above).
        `"keep"`: they are kept as the tokenizer made them, as AllenNLP 0.9 did, so a typed
        `[SEP]` (kept whole by `bert-basic`) makes the `bert-pretrained` indexer start the next
        segment: the "[SEP] pair trick". A BERT has 2 segments (`type_vocab_size`), so a text
        with two or more typed `[SEP]` is then an error at the model.
    """

    def __init__(
        self,
        token_indexers: Dict[str, TokenIndexer] = None,
        tokenizer: Tokenizer = None,
        segment_sentences: bool = False,
        max_sequence_length: int = None,
        skip_label_indexing: bool = False,
        text_key: str = "text",
        label_key: str = "label",
        require_labels: bool = True,
        ignored_keys: Optional[List[str]] = None,
        special_tokens_in_text: str = "split",
        **kwargs,
    ) -> None:
        check_special_tokens_in_text(special_tokens_in_text)
        super().__init__(
            token_indexers=token_indexers,
            tokenizer=tokenizer,
            segment_sentences=segment_sentences,
            max_sequence_length=max_sequence_length,
            skip_label_indexing=skip_label_indexing,
            text_key=text_key,
            label_key=label_key,
            **kwargs,
        )
        self._require_labels = require_labels
        self._special_tokens_in_text = special_tokens_in_text
        if special_tokens_in_text == "split":
            self._tokenizer = SpecialTokenTextTokenizer(self._tokenizer)
        self._checker = JsonLinesChecker(
            text_keys=[text_key],
            label_key=label_key,
            require_labels=require_labels,
            skip_label_indexing=skip_label_indexing,
            ignored_keys=DEFAULT_IGNORED_KEYS if ignored_keys is None else ignored_keys,
        )

    @property
    def special_tokens_in_text(self) -> str:
        """What typed special-token strings become: `"split"` (text) or `"keep"` (0.9's)."""
        return self._special_tokens_in_text

    @property
    def word_tokenizer(self) -> Tokenizer:
        """The tokenizer the reader was given (before special-token strings are split)."""
        if isinstance(self._tokenizer, SpecialTokenTextTokenizer):
            return self._tokenizer.tokenizer
        return self._tokenizer

    @overrides
    def _read(self, file_path) -> Iterable[Instance]:
        for line in self._checker.read(file_path, self.shard_iterable):
            instance = self.text_to_instance(text=line.texts[self._text_key], label=line.label)
            yield with_located_label(instance, line, self._skip_label_indexing)
