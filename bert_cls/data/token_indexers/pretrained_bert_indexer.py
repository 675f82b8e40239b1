import logging
from pathlib import Path
from typing import Dict, List, Optional

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.common.util import pad_sequence_to_length
from allennlp.data.token_indexers.token_indexer import IndexedTokenList, TokenIndexer
from allennlp.data.tokenizers import Token
from allennlp.data.vocabulary import Vocabulary
from pytorch_pretrained_bert.tokenization import BertTokenizer

from bert_cls.common.bert_files import resolve_vocab_file

logger = logging.getLogger(__name__)

CLS = "[CLS]"
SEP = "[SEP]"
UNK = "[UNK]"
DEFAULT_NEVER_LOWERCASE = ["[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"]


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

    Input longer than `max_pieces - 2` wordpieces is either truncated to the whole words that fit,
    or cut into overlapping windows of `max_pieces - 2` wordpieces that advance by half a window,
    each wrapped in `[CLS]` ... `[SEP]`, and concatenated. With windows, `offsets` still count
    positions in the single, unwindowed sequence.

    The BERT vocabulary is also copied into the "bert" namespace of the `Vocabulary` the first
    time this indexer indexes something.

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
        `[SEP]` included.
    truncate_long_sequences : `bool`, optional (default = `True`)
        Whether longer input is truncated or, if `False`, cut into windows.
    token_min_padding_length : `int`, optional (default = `0`)
        See `TokenIndexer`.
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

        bert_tokenizer = _load_bert_tokenizer(resolve_vocab_file(pretrained_model))
        self._vocab: Dict[str, int] = bert_tokenizer.vocab
        self._wordpiece_tokenizer = bert_tokenizer.wordpiece_tokenizer
        self._namespace = "bert"
        self.max_pieces = max_pieces
        self.use_starting_offsets = use_starting_offsets
        self._do_lowercase = do_lowercase
        self._never_lowercase = set(
            DEFAULT_NEVER_LOWERCASE if never_lowercase is None else never_lowercase
        )
        self._truncate_long_sequences = truncate_long_sequences
        self._added_to_vocabulary = False
        self._warned_about_truncation = False

    @property
    def vocab(self) -> Dict[str, int]:
        """The BERT vocabulary, wordpiece to id."""
        return self._vocab

    def count_vocab_items(self, token: Token, counter: Dict[str, Dict[str, int]]):
        # The ids come from the BERT vocabulary; there is nothing to count.
        pass

    def tokens_to_indices(self, tokens: List[Token], vocabulary: Vocabulary) -> IndexedTokenList:
        self._add_encoding_to_vocabulary_if_needed(vocabulary)

        word_pieces = [
            [self._vocab[piece] for piece in self._wordpiece_tokenizer.tokenize(self._text(token))]
            for token in tokens
        ]
        pieces = [piece for word in word_pieces for piece in word]
        # Computed before any windowing, so that a [SEP] repeated by overlapping windows is
        # counted once.
        type_ids = self._type_ids(pieces)
        window_length = self.max_pieces - 2

        offsets: List[int] = []
        num_kept_pieces = 0
        for word in word_pieces:
            if self._truncate_long_sequences and num_kept_pieces + len(word) > window_length:
                break
            # Positions count the [CLS] in front.
            first, last = num_kept_pieces + 1, num_kept_pieces + len(word)
            offsets.append(first if self.use_starting_offsets else last)
            num_kept_pieces += len(word)

        if len(pieces) <= window_length:
            windows = [pieces]
            type_windows = [type_ids]
        elif self._truncate_long_sequences:
            self._warn_about_truncation(tokens)
            windows = [pieces[:num_kept_pieces]]
            type_windows = [type_ids[:num_kept_pieces]]
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

    def get_empty_token_list(self) -> IndexedTokenList:
        return {"token_ids": [], "type_ids": [], "wordpiece_mask": [], "offsets": [], "mask": []}

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

    def __eq__(self, other) -> bool:
        if not isinstance(other, PretrainedBertIndexer):
            return NotImplemented
        # The wordpiece tokenizer has no equality of its own (it is determined by the vocabulary),
        # and the two flags only record what this instance has already done.
        ignored = {"_wordpiece_tokenizer", "_added_to_vocabulary", "_warned_about_truncation"}
        return {k: v for k, v in self.__dict__.items() if k not in ignored} == {
            k: v for k, v in other.__dict__.items() if k not in ignored
        }

    def _text(self, token: Token) -> str:
        text = token.ensure_text()
        if self._do_lowercase and text not in self._never_lowercase:
            return text.lower()
        return text

    def _type_ids(self, pieces: List[int]) -> List[int]:
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

    def _add_encoding_to_vocabulary_if_needed(self, vocabulary: Vocabulary) -> None:
        if self._added_to_vocabulary:
            return
        # A non-padded namespace keeps the BERT ids: in a padded one, AllenNLP's own padding and
        # OOV tokens would take ids 0 and 1.
        pieces = sorted(self._vocab, key=self._vocab.__getitem__)
        bert_vocabulary = Vocabulary(
            non_padded_namespaces=[self._namespace], tokens_to_add={self._namespace: pieces}
        )
        vocabulary.extend_from_vocab(bert_vocabulary)
        self._added_to_vocabulary = True


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
