from typing import List, Optional

from allennlp.data.tokenizers import Token, Tokenizer
from overrides import overrides

from bert_cls.data.tokenizers.fast_basic_tokenizer import FastBasicTokenizer


@Tokenizer.register("bert-basic")
class BertBasicTokenizer(Tokenizer):
    """
    Splits text into words the way BERT's own preprocessing does, exactly as the `BasicTokenizer`
    of pytorch-pretrained-bert does (computed by the faster, equivalent `FastBasicTokenizer`): it
    splits on whitespace and punctuation, puts every CJK character in
    a token of its own, and, when lowercasing, also strips accents. Splitting the words further
    into wordpieces is left to the `bert-pretrained` token indexer.

    Each token's `idx` is its character offset in the original text. When the tokenizer changed
    the text in a way that does not keep lengths (some unicode normalisations, removed control
    characters), the offsets of that token and all later ones are left as `None`.

    Registered as a `Tokenizer` with name "bert-basic".

    # Parameters

    do_lower_case : `bool`, optional (default = `True`)
        Whether to lowercase the words and strip their accents.
    never_split : `List[str]`, optional (default = `None`)
        Words that are kept whole and never lowercased. `None` means pytorch-pretrained-bert's
        default, `["[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"]`.
    """

    def __init__(self, do_lower_case: bool = True, never_split: Optional[List[str]] = None) -> None:
        if never_split is None:
            self._basic_tokenizer = FastBasicTokenizer(do_lower_case=do_lower_case)
        else:
            self._basic_tokenizer = FastBasicTokenizer(
                do_lower_case=do_lower_case, never_split=never_split
            )

    @property
    def do_lower_case(self) -> bool:
        """Whether words are lowercased and their accents stripped."""
        return self._basic_tokenizer.do_lower_case

    @property
    def never_split(self) -> List[str]:
        """The words kept whole and never lowercased, sorted."""
        return sorted(self._basic_tokenizer.never_split)

    @overrides
    def tokenize(self, text: str) -> List[Token]:
        fast = self._basic_tokenizer.ascii_words_and_offsets(text)
        if fast is not None:
            # Plain ASCII text: each word's offset is where its regex match starts.
            words, offsets = fast
        else:
            words = self._basic_tokenizer.tokenize(text)
            offsets = self._character_offsets(text, words)
        return [Token(word, idx=idx) for word, idx in zip(words, offsets)]

    def _character_offsets(self, text: str, words: List[str]) -> List[Optional[int]]:
        # The words come out in text order, each one the (possibly normalised) characters found
        # right after the previous word and some whitespace.
        offsets: List[Optional[int]] = []
        cursor = 0
        for word in words:
            while cursor < len(text) and text[cursor].isspace():
                cursor += 1
            original = text[cursor : cursor + len(word)]
            if original != word and self._normalise(original) != word:
                break
            offsets.append(cursor)
            cursor += len(word)
        return offsets + [None] * (len(words) - len(offsets))

    def _normalise(self, text: str) -> str:
        if not self._basic_tokenizer.do_lower_case:
            return text
        return self._basic_tokenizer._run_strip_accents(text.lower())
