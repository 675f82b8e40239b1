import logging
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.common.util import pad_sequence_to_length
from allennlp.data.token_indexers.token_indexer import IndexedTokenList, TokenIndexer
from allennlp.data.tokenizers import Token
from allennlp.data.vocabulary import Vocabulary
from overrides import overrides
from pytorch_pretrained_bert.tokenization import BertTokenizer

from bert_cls.common.bert_files import (
    BertTableSizes,
    override_for_archived_paths,
    read_table_sizes,
    vocab_file_of,
)
from bert_cls.common.special_tokens import CLS, SEP, SPECIAL_TOKENS, UNK
from bert_cls.common.wordpiece_vocabulary import add_wordpieces, archived_vocab_file

logger = logging.getLogger(__name__)

TRUNCATION_STRATEGIES = ("head", "head_tail")
# The most distinct words whose wordpiece ids an indexer remembers (a few MB at most); words seen
# once the cache is full are split again each time.
WORDPIECE_CACHE_SIZE = 50_000


@TokenIndexer.register("bert-pretrained")
class PretrainedBertIndexer(TokenIndexer):
    """
    Splits each token into the wordpieces of a pretrained BERT vocabulary and indexes them with
    the BERT ids, wrapped in `[CLS]` ... `[SEP]`. Use it with a word-level tokenizer such as
    `bert-basic`; the embedder gets the wordpieces, and `offsets` to pick one wordpiece per word.

    The output has these keys:

    - `token_ids`: the wordpiece ids, `[CLS]` and `[SEP]` included.
    - `type_ids`: the segment of each wordpiece: 0 up to and including the first `[SEP]` token of
      the input, 1 up to and including the next one, and so on.
    - `wordpiece_mask`: `True` for each wordpiece.
    - `offsets`: for each word, the position in `[CLS] + wordpieces + [SEP]` of its last (or first)
      wordpiece.
    - `mask`: `True` for each word.

    Input longer than `max_pieces - 2` wordpieces is either truncated (by default) or cut into
    overlapping windows of `max_pieces - 2` wordpieces that advance by half a window, each wrapped
    in `[CLS]` ... `[SEP]`, and concatenated. With windows, `offsets` still count positions in the
    single, unwindowed sequence.

    Truncation keeps whole words, and warns once. The "head" strategy (the original's) keeps the
    first words that fit. The "head_tail" strategy (Sun et al., 2019, "How to Fine-Tune BERT for
    Text Classification?") keeps the first words that fit in `head_pieces` wordpieces and the last
    words that fit in the rest, `max_pieces - 2` minus the wordpieces the head kept (so at least
    `max_pieces - 2 - head_pieces`); the middle words are dropped. A word is never cut: it is kept
    with all its wordpieces or dropped, so `offsets` and `mask` have one entry for each word kept
    (the head words, then the tail words), each pointing into the truncated sequence, and
    `type_ids` are those the kept wordpieces had in the whole input.

    The BERT vocabulary is also copied into the "bert" namespace of the `Vocabulary` the first
    time this indexer indexes something.

    When the vocabulary sits beside its BERT's `config.json` or `bert_config.json` (a checkpoint
    directory), the indexer checks that it fits that BERT: a vocabulary with more wordpieces than
    the BERT's `vocab_size` is a `ConfigurationError`, and a `max_pieces` above its
    `max_position_embeddings` is lowered to it, with one warning (see `limit_max_pieces`).
    `bert_table_sizes` holds the sizes read.

    Registered as a `TokenIndexer` with name "bert-pretrained".

    # Parameters

    pretrained_model : `str`
        The BERT vocabulary: the path of a `vocab.txt`, of a directory holding one, or the name of a
        pretrained BERT (such as `bert-base-uncased`) whose vocabulary is cached locally.
    use_starting_offsets : `bool`, optional (default = `False`)
        Make `offsets` point at the first wordpiece of each word instead of the last.
    do_lowercase : `bool`, optional (default = `True`)
        Lowercase each token before splitting it into wordpieces. Needed for uncased BERT models
        when the tokenizer keeps case.
    never_lowercase : `List[str]`, optional (default = `None`)
        Tokens that are never lowercased. `None` means
        `["[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"]`.
    max_pieces : `int`, optional (default = `512`)
        The most wordpieces BERT takes at once (its number of position embeddings), `[CLS]` and
        `[SEP]` included. Lowered to the BERT's `max_position_embeddings` when that is smaller
        and the indexer can read it (see above).
    truncate_long_sequences : `bool`, optional (default = `True`)
        Whether longer input is truncated or, if `False`, cut into windows.
    truncation_strategy : `str`, optional (default = `"head"`)
        How input is truncated: `"head"` keeps the beginning, `"head_tail"` the beginning and the
        end. `"head_tail"` needs `truncate_long_sequences`.
    head_pieces : `int`, optional (default = `128`)
        With `"head_tail"`, the most wordpieces kept from the beginning; it must be less than
        `max_pieces - 2`, so that the tail keeps at least one. Unused with `"head"`.
    max_windows : `int`, optional (default = `None`)
        With windows (`truncate_long_sequences` false), the most windows kept per input: the
        first `max_windows`, which cover the first `(max_windows + 1) / 2` window lengths of the
        input. It bounds the time and memory one long input can take. `None` keeps every window.
        `offsets` are unchanged: they still count positions in the whole, unwindowed input.
    token_min_padding_length : `int`, optional (default = `0`)
        See `TokenIndexer`.
    serialization_dir : `str`, optional (default = `None`)
        Not for configs: AllenNLP passes the run directory when it builds the indexer for
        `allennlp train`, and the extracted archive when it loads a model archive. When that
        directory holds a wordpiece vocabulary (`vocabulary/bert.txt`, which a
        `bert_for_classification` model saves with its archive), the indexer reads it instead
        of `pretrained_model`, which then need not exist: an archive predicts anywhere.
    """

    def __init__(
        self,
        pretrained_model: str,
        use_starting_offsets: bool = False,
        do_lowercase: bool = True,
        never_lowercase: Optional[List[str]] = None,
        max_pieces: int = 512,
        truncate_long_sequences: bool = True,
        token_min_padding_length: int = 0,
        truncation_strategy: str = "head",
        head_pieces: int = 128,
        max_windows: Optional[int] = None,
        serialization_dir: Optional[str] = None,
    ) -> None:
        super().__init__(token_min_padding_length)
        if pretrained_model.endswith("-cased") and do_lowercase:
            logger.warning(
                "BERT model '%s' appears to be cased, but the indexer lowercases tokens "
                "(do_lowercase is True).",
                pretrained_model,
            )
        elif pretrained_model.endswith("-uncased") and not do_lowercase:
            logger.warning(
                "BERT model '%s' appears to be uncased, but the indexer does not lowercase tokens "
                "(do_lowercase is False).",
                pretrained_model,
            )
        # Windows advance by half their length, so they need at least two pieces.
        smallest = 3 if truncate_long_sequences else 4
        if max_pieces < smallest:
            raise ConfigurationError(
                f"max_pieces must be at least {smallest} with "
                f"truncate_long_sequences={truncate_long_sequences}, got {max_pieces}."
            )
        _check_truncation(truncation_strategy, head_pieces, max_pieces, truncate_long_sequences)
        if max_windows is not None:
            if truncate_long_sequences:
                raise ConfigurationError(
                    "max_windows limits the windows of long input, but truncate_long_sequences is "
                    "True (no windows): set truncate_long_sequences to False or drop max_windows."
                )
            if max_windows < 1:
                raise ConfigurationError(f"max_windows must be at least 1, got {max_windows}.")

        bert_tokenizer, vocab_source, table_sizes = _read_vocabulary(
            pretrained_model, serialization_dir
        )
        self._vocab: Dict[str, int] = bert_tokenizer.vocab
        self._wordpiece_tokenizer = bert_tokenizer.wordpiece_tokenizer
        self.max_pieces = max_pieces
        self.use_starting_offsets = use_starting_offsets
        self._do_lowercase = do_lowercase
        self._never_lowercase = set(SPECIAL_TOKENS if never_lowercase is None else never_lowercase)
        self._truncate_long_sequences = truncate_long_sequences
        self.truncation_strategy = truncation_strategy
        self.head_pieces = head_pieces
        self.max_windows = max_windows
        self._added_to_vocabulary = False
        self._warned_about_truncation = False
        # Word (as lowercased for splitting) -> its wordpiece ids: words repeat a lot, and the
        # split of a word depends on nothing else. Bounded by WORDPIECE_CACHE_SIZE.
        self._wordpiece_ids_cache: Dict[str, Tuple[int, ...]] = {}
        # The BERT this vocabulary belongs to, when its config file is beside vocab.txt.
        self.bert_table_sizes = table_sizes
        if self.bert_table_sizes is not None:
            self._check_fits_bert(vocab_source, self.bert_table_sizes)

    @property
    def vocab(self) -> Dict[str, int]:
        """The BERT vocabulary, wordpiece to id."""
        return self._vocab

    @property
    def do_lowercase(self) -> bool:
        """Whether tokens (but those in `never_lowercase`) are lowercased before splitting."""
        return self._do_lowercase

    @property
    def never_lowercase(self) -> List[str]:
        """The tokens never lowercased, sorted."""
        return sorted(self._never_lowercase)

    @property
    def truncate_long_sequences(self) -> bool:
        """Whether input longer than `max_pieces` is truncated (rather than cut into windows)."""
        return self._truncate_long_sequences

    def limit_max_pieces(self, max_position_embeddings: int, bert: str) -> None:
        """
        Lowers `max_pieces` to `max_position_embeddings`, the most positions of the BERT that
        `bert` names, when it is larger, with one warning; with `"head_tail"`, a `head_pieces`
        that no longer leaves the tail a wordpiece is scaled down with the window. A BERT with
        too few positions for even the shortest input is a `ConfigurationError`.
        """
        if self.max_pieces <= max_position_embeddings:
            return
        smallest = 3 if self._truncate_long_sequences else 4
        if max_position_embeddings < smallest:
            raise ConfigurationError(
                f"{bert} has max_position_embeddings {max_position_embeddings}, too few for "
                f"[CLS], a wordpiece and [SEP]{'' if smallest == 3 else ' in windows of two'}."
            )
        logger.warning(
            "The bert-pretrained indexer's max_pieces=%d is more than %s takes "
            "(max_position_embeddings %d): using max_pieces=%d. Set max_pieces to at most %d to "
            "silence this warning.",
            self.max_pieces,
            bert,
            max_position_embeddings,
            max_position_embeddings,
            max_position_embeddings,
        )
        old_window = self.max_pieces - 2
        self.max_pieces = max_position_embeddings
        if self.truncation_strategy == "head_tail" and self.head_pieces >= self.max_pieces - 2:
            self.head_pieces = self.head_pieces * (self.max_pieces - 2) // old_window

    def wordpieces(self, token: Token) -> List[str]:
        """The wordpieces this indexer splits `token` into, lowercased as it lowercases them."""
        return self._wordpiece_tokenizer.tokenize(self._text(token))

    @overrides
    def count_vocab_items(self, token: Token, counter: Dict[str, Dict[str, int]]):
        # The ids come from the BERT vocabulary; there is nothing to count.
        pass

    @overrides
    def tokens_to_indices(self, tokens: List[Token], vocabulary: Vocabulary) -> IndexedTokenList:
        self._add_encoding_to_vocabulary_if_needed(vocabulary)

        word_pieces = [self._wordpiece_ids(token) for token in tokens]
        pieces = [piece for word in word_pieces for piece in word]
        # Computed before any windowing or truncation, so that a [SEP] repeated by overlapping
        # windows is counted once, and a [SEP] dropped by truncation still counts.
        type_ids = self._type_ids(pieces)
        window_length = self.max_pieces - 2

        if len(pieces) <= window_length or not self._truncate_long_sequences:
            kept_words = list(range(len(word_pieces)))
        else:
            self._warn_about_truncation(tokens)
            kept_words = self._words_kept_by_truncation([len(word) for word in word_pieces])

        word_starts = [0]
        for word in word_pieces:
            word_starts.append(word_starts[-1] + len(word))
        offsets: List[int] = []
        # The position in `pieces` of each wordpiece kept.
        kept_positions: List[int] = []
        for word in kept_words:
            # Positions count the [CLS] in front.
            first, last = len(kept_positions) + 1, len(kept_positions) + len(word_pieces[word])
            offsets.append(first if self.use_starting_offsets else last)
            kept_positions.extend(range(word_starts[word], word_starts[word + 1]))

        if len(pieces) <= window_length:
            windows = [pieces]
            type_windows = [type_ids]
        elif self._truncate_long_sequences:
            windows = [[pieces[i] for i in kept_positions]]
            type_windows = [[type_ids[i] for i in kept_positions]]
        else:
            stride = window_length // 2
            starts = range(0, len(pieces), stride)
            windows = [pieces[start : start + window_length] for start in starts]
            type_windows = [type_ids[start : start + window_length] for start in starts]
            # As in AllenNLP 0.9: the last window is dropped when it only repeats the end of the
            # one before.
            if windows[-2][-len(windows[-1]) :] == windows[-1]:
                windows.pop()
                type_windows.pop()
            if self.max_windows is not None:
                windows = windows[: self.max_windows]
                type_windows = type_windows[: self.max_windows]

        token_ids: List[int] = []
        wrapped_type_ids: List[int] = []
        for window, window_type_ids in zip(windows, type_windows):
            token_ids += [self._vocab[CLS]] + window + [self._vocab[SEP]]
            first, last = (window_type_ids[0], window_type_ids[-1]) if window_type_ids else (0, 0)
            wrapped_type_ids += [first] + window_type_ids + [last]
        return {
            "token_ids": token_ids,
            "type_ids": wrapped_type_ids,
            "wordpiece_mask": [True] * len(token_ids),
            "offsets": offsets,
            "mask": [True] * len(offsets),
        }

    @overrides
    def get_empty_token_list(self) -> IndexedTokenList:
        return {"token_ids": [], "type_ids": [], "wordpiece_mask": [], "offsets": [], "mask": []}

    @overrides
    def as_padded_tensor_dict(
        self, tokens: IndexedTokenList, padding_lengths: Dict[str, int]
    ) -> Dict[str, torch.Tensor]:
        tensors = {}
        for key, values in tokens.items():
            if key in ("wordpiece_mask", "mask"):
                padded = pad_sequence_to_length(values, padding_lengths[key], lambda: False)
                tensors[key] = torch.BoolTensor(padded)
            else:
                padded = pad_sequence_to_length(values, padding_lengths[key], lambda: 0)
                tensors[key] = torch.LongTensor(padded)
        return tensors

    @overrides
    def __eq__(self, other) -> bool:
        if not isinstance(other, PretrainedBertIndexer):
            return NotImplemented
        # The wordpiece tokenizer has no equality of its own (it is determined by the vocabulary),
        # the two flags and the cache only record what this instance has already done, and the
        # BERT's table sizes were used at construction only.
        ignored = {
            "bert_table_sizes",
            "_wordpiece_tokenizer",
            "_added_to_vocabulary",
            "_warned_about_truncation",
            "_wordpiece_ids_cache",
        }
        return {k: v for k, v in self.__dict__.items() if k not in ignored} == {
            k: v for k, v in other.__dict__.items() if k not in ignored
        }

    def _wordpiece_ids(self, token: Token) -> Tuple[int, ...]:
        text = self._text(token)
        ids = self._wordpiece_ids_cache.get(text)
        if ids is None:
            ids = tuple(self._vocab[piece] for piece in self._wordpiece_tokenizer.tokenize(text))
            if len(self._wordpiece_ids_cache) < WORDPIECE_CACHE_SIZE:
                self._wordpiece_ids_cache[text] = ids
        return ids

    def _type_ids(self, pieces: List[int]) -> List[int]:
        if self._vocab[SEP] not in pieces:
            return [0] * len(pieces)
        return self._counted_type_ids(pieces)

    def _text(self, token: Token) -> str:
        text = token.ensure_text()
        if self._do_lowercase and text not in self._never_lowercase:
            return text.lower()
        return text

    def _words_kept_by_truncation(self, word_lengths: List[int]) -> List[int]:
        # The indices of the words kept, whole, when their wordpieces do not all fit.
        window_length = self.max_pieces - 2
        head_budget = window_length if self.truncation_strategy == "head" else self.head_pieces
        head: List[int] = []
        num_head_pieces = 0
        for word, length in enumerate(word_lengths):
            if num_head_pieces + length > head_budget:
                break
            head.append(word)
            num_head_pieces += length
        if self.truncation_strategy == "head":
            return head
        # The tail gets every wordpiece the head left over.
        tail: List[int] = []
        num_tail_pieces = 0
        for word in range(len(word_lengths) - 1, len(head) - 1, -1):
            if num_head_pieces + num_tail_pieces + word_lengths[word] > window_length:
                break
            tail.append(word)
            num_tail_pieces += word_lengths[word]
        return head + tail[::-1]

    def _counted_type_ids(self, pieces: List[int]) -> List[int]:
        type_ids = []
        type_id = 0
        for piece in pieces:
            type_ids.append(type_id)
            if piece == self._vocab[SEP]:
                type_id += 1
        return type_ids

    def _warn_about_truncation(self, tokens: List[Token]) -> None:
        if self._warned_about_truncation:
            return
        logger.warning(
            "Input of %d tokens is longer than max_pieces=%d wordpieces and was truncated. Set "
            "truncate_long_sequences to False to use sliding windows instead. This warning is "
            "given once.",
            len(tokens),
            self.max_pieces,
        )
        self._warned_about_truncation = True

    def _check_fits_bert(self, vocab_file: str, sizes: BertTableSizes) -> None:
        bert = f"the BERT of '{sizes.config_file}'"
        num_wordpieces = max(self._vocab.values()) + 1
        if sizes.vocab_size is not None and num_wordpieces > sizes.vocab_size:
            raise ConfigurationError(
                f"BERT vocabulary '{vocab_file}' has {num_wordpieces} wordpieces, more than "
                f"{bert} has rows in its embedding table (vocab_size {sizes.vocab_size}): the "
                f"vocabulary does not belong to this BERT. Use the vocab.txt it was trained with."
            )
        if sizes.max_position_embeddings is not None:
            self.limit_max_pieces(sizes.max_position_embeddings, bert)

    def _add_encoding_to_vocabulary_if_needed(self, vocabulary: Vocabulary) -> None:
        if self._added_to_vocabulary:
            return
        pieces = sorted(self._vocab, key=self._vocab.__getitem__)
        add_wordpieces(vocabulary, pieces, "of the bert-pretrained indexer")
        self._added_to_vocabulary = True


def _check_truncation(
    truncation_strategy: str, head_pieces: int, max_pieces: int, truncate_long_sequences: bool
) -> None:
    if truncation_strategy not in TRUNCATION_STRATEGIES:
        raise ConfigurationError(
            f"Unknown truncation_strategy {truncation_strategy!r}; choose one of "
            f"{', '.join(repr(choice) for choice in TRUNCATION_STRATEGIES)}."
        )
    if truncation_strategy != "head_tail":
        return
    if not truncate_long_sequences:
        raise ConfigurationError(
            "truncation_strategy 'head_tail' truncates, but truncate_long_sequences is False "
            "(sliding windows); set it to True."
        )
    if not 0 <= head_pieces < max_pieces - 2:
        raise ConfigurationError(
            f"head_pieces must be at least 0 and less than max_pieces - 2 = {max_pieces - 2} (the "
            f"wordpieces left for head and tail once [CLS] and [SEP] are counted), got "
            f"{head_pieces}."
        )


def _read_vocabulary(
    pretrained_model: str, serialization_dir: Optional[str]
) -> Tuple[BertTokenizer, str, Optional[BertTableSizes]]:
    """
    The wordpiece tokenizer of the vocabulary the indexer uses, where it came from, and the sizes
    of the BERT whose config file is beside it (`None` when there is none): the vocabulary saved
    in `serialization_dir` (an archive's `vocabulary/bert.txt`) if any, else `pretrained_model`.
    """
    archived = archived_vocab_file(serialization_dir)
    if archived is not None:
        logger.info("Reading the BERT vocabulary saved in %s", archived)
        return _load_bert_tokenizer(archived), str(archived), None
    try:
        with vocab_file_of(pretrained_model) as vocab_file:
            tokenizer = _load_bert_tokenizer(vocab_file)
            # A vocab.txt copied out of a .tar.gz has no config beside it.
            sizes = read_table_sizes(vocab_file.parent)
            return tokenizer, str(vocab_file if sizes else pretrained_model), sizes
    except ConfigurationError as error:
        if serialization_dir is None:
            raise
        # Loading an archive that holds no vocabulary: an earlier bert_cls wrote it.
        raise ConfigurationError(
            f"{error} The model archive being loaded holds no BERT vocabulary of its own "
            f"(vocabulary/bert.txt): an earlier bert_cls wrote it. Load it with "
            f"{override_for_archived_paths()}."
        ) from error


def _load_bert_tokenizer(vocab_file: Path) -> BertTokenizer:
    try:
        # Lowercasing is the indexer's job, done per token, so the tokenizer never lowercases.
        bert_tokenizer = BertTokenizer(
            str(vocab_file), do_lower_case=False, do_basic_tokenize=False
        )
    except UnicodeDecodeError as error:
        raise ConfigurationError(
            f"BERT vocabulary '{vocab_file}' is not UTF-8 text ({error})."
        ) from error
    if not bert_tokenizer.vocab:
        raise ConfigurationError(f"BERT vocabulary '{vocab_file}' is empty.")
    missing = [piece for piece in (CLS, SEP, UNK) if piece not in bert_tokenizer.vocab]
    if missing:
        raise ConfigurationError(
            f"BERT vocabulary '{vocab_file}' lacks {', '.join(missing)}; is it a BERT vocab.txt?"
        )
    return bert_tokenizer
