"""
Typed text is text: a special-token string such as `[SEP]` typed in a text is split into
ordinary characters after the tokenizer, so that it never reaches the `bert-pretrained` indexer
as BERT's special token (where a `[SEP]` starts the next segment, and `[CLS]`, `[PAD]`, `[MASK]`
become the special ids).

`split_special_token_text` works on the tokens any tokenizer made (`bert-basic`, `whitespace`,
`spacy`): each token whose text holds one of BERT's special tokens (`[PAD]` `[UNK]` `[CLS]`
`[SEP]` `[MASK]`, case as BERT spells them) is replaced by the tokens BERT's `BasicTokenizer`
makes of its text without `never_split`: punctuation split off, so `[SEP]` becomes `[`, `SEP`,
`]`. The case is kept; the indexer lowercases as it is configured to. Other tokens are kept as
they are. A text token then gives no special wordpiece: each wordpiece the indexer makes is a
piece of its token's (possibly lowercased) text, so only a token holding `[SEP]` can give `[SEP]`.
"""

from typing import List, Optional

from allennlp.common.checks import ConfigurationError
from allennlp.data.tokenizers import Token, Tokenizer
from overrides import overrides
from pytorch_pretrained_bert.tokenization import BasicTokenizer

from bert_cls.common.special_tokens import SPECIAL_TOKENS

# The values of a reader's `special_tokens_in_text`: "split" splits special-token strings as
# ordinary characters; "keep" hands them on as the tokenizer made them (AllenNLP 0.9: a typed
# `[SEP]` starts the next segment).
SPECIAL_TOKENS_IN_TEXT = ("split", "keep")

# Case kept, nothing protected: `[SEP]` -> `[`, `SEP`, `]`.
_PUNCTUATION_SPLITTER = BasicTokenizer(do_lower_case=False, never_split=())


def check_special_tokens_in_text(special_tokens_in_text: str) -> None:
    if special_tokens_in_text not in SPECIAL_TOKENS_IN_TEXT:
        raise ConfigurationError(
            f"Unknown special_tokens_in_text {special_tokens_in_text!r}; choose "
            f"{' or '.join(repr(choice) for choice in SPECIAL_TOKENS_IN_TEXT)}."
        )


def holds_special_token(text: str) -> bool:
    """Whether `text` holds one of BERT's special-token strings (`[SEP]` and the like)."""
    return "[" in text and any(special in text for special in SPECIAL_TOKENS)


def split_special_token_text(tokens: List[Token]) -> List[Token]:
    """
    `tokens`, with each token that holds a special-token string replaced by the tokens BERT's
    `BasicTokenizer` makes of its text without `never_split` (see the module doc). The new
    tokens carry their character offsets (`idx`, `idx_end`) when the token had them and the
    piece is found in its text, else `None`; other attributes (such as spaCy's tags) are not
    copied.
    """
    if not any(holds_special_token(token.text or "") for token in tokens):
        return tokens
    split: List[Token] = []
    for token in tokens:
        if holds_special_token(token.text or ""):
            split.extend(_split_as_text(token))
        else:
            split.append(token)
    return split


def _split_as_text(token: Token) -> List[Token]:
    text = token.text or ""
    pieces: List[Token] = []
    cursor: Optional[int] = 0
    for piece in _PUNCTUATION_SPLITTER.tokenize(text):
        found = -1 if cursor is None else text.find(piece, cursor)
        if token.idx is None or found < 0:
            cursor = None
            pieces.append(Token(piece))
            continue
        cursor = found + len(piece)
        pieces.append(Token(piece, idx=token.idx + found, idx_end=token.idx + cursor))
    return pieces


class SpecialTokenTextTokenizer(Tokenizer):
    """
    A tokenizer that gives `tokenizer`'s tokens through `split_special_token_text`: typed
    special-token strings come out as ordinary characters. Not registered: the checked readers
    wrap their configured tokenizer in it.
    """

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer

    @overrides
    def tokenize(self, text: str) -> List[Token]:
        return split_special_token_text(self.tokenizer.tokenize(text))

    @overrides
    def batch_tokenize(self, texts: List[str]) -> List[List[Token]]:
        return [split_special_token_text(tokens) for tokens in self.tokenizer.batch_tokenize(texts)]
