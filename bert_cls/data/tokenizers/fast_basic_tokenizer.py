"""
A faster drop-in for pytorch-pretrained-bert's `BasicTokenizer`, giving exactly its tokens.

`BasicTokenizer.tokenize` looks at every character several times in Python loops (cleaning,
CJK spacing, accent stripping, punctuation splitting), which dominates the time from text to
instance on long texts. `FastBasicTokenizer` computes the same function with `str` methods:

- pure-ASCII text (most email): control characters are deleted with `str.translate`, and the
  words are the runs of letters and digits and the single other characters, found by one regex
  over the (lowercased) text; ASCII has no accents, no CJK characters, and its punctuation is
  exactly its non-alphanumeric printable characters, so nothing else can happen;
- any other text: cleaning and CJK spacing are one `str.translate` through a table filled
  lazily, character by character, with `BasicTokenizer`'s own predicates; accents are stripped
  with `BasicTokenizer._run_strip_accents` on non-ASCII words only; punctuation is split by a
  second lazily filled table. The per-word never_split rules are applied as `BasicTokenizer`
  applies them.
"""

import re
from typing import Dict, Iterable, List, Optional, Tuple

from pytorch_pretrained_bert.tokenization import (
    BasicTokenizer,
    _is_control,
    _is_punctuation,
    _is_whitespace,
)

from bert_cls.common.special_tokens import SPECIAL_TOKENS

# ASCII characters BasicTokenizer._clean_text deletes: NUL and the control characters (category
# Cc) other than tab, newline and carriage return, which are whitespace.
_ASCII_DELETED = {cp: None for cp in range(128) if cp == 0 or _is_control(chr(cp))}
# In ASCII text without control characters, a word is a run of letters and digits, or any other
# single non-whitespace character (every other printable ASCII character is punctuation).
_ASCII_WORD = re.compile(r"[0-9A-Za-z]+|[^0-9A-Za-z \t\n\r]")

# Tables are filled one character at a time; a text with many distinct characters cannot make
# them grow past this (then the remaining characters are computed without being stored).
MAX_TABLE_SIZE = 100_000


class _CleanTable(dict):
    """`str.translate` table doing `_clean_text` then `_tokenize_chinese_chars`, filled lazily."""

    def __init__(self, basic: BasicTokenizer) -> None:
        super().__init__()
        self._basic = basic

    def __missing__(self, cp: int) -> Optional[str]:
        char = chr(cp)
        if cp == 0 or cp == 0xFFFD or _is_control(char):
            value: Optional[str] = ""
        elif _is_whitespace(char):
            value = " "
        elif self._basic._is_chinese_char(cp):
            value = f" {char} "
        else:
            value = char
        if len(self) < MAX_TABLE_SIZE:
            self[cp] = value
        return value


class _PunctuationTable(dict):
    """`str.translate` table putting spaces around each punctuation character, filled lazily."""

    def __missing__(self, cp: int) -> str:
        char = chr(cp)
        value = f" {char} " if _is_punctuation(char) else char
        if len(self) < MAX_TABLE_SIZE:
            self[cp] = value
        return value


class FastBasicTokenizer(BasicTokenizer):
    """
    `pytorch_pretrained_bert.tokenization.BasicTokenizer` with a faster `tokenize` that returns
    exactly the same tokens (see the module doc). Same constructor arguments and attributes.
    """

    def __init__(
        self, do_lower_case: bool = True, never_split: Iterable[str] = SPECIAL_TOKENS
    ) -> None:
        super().__init__(do_lower_case=do_lower_case, never_split=never_split)
        self._clean_table = _CleanTable(self)
        self._punctuation_table = _PunctuationTable()

    def ascii_words_and_offsets(self, text: str) -> Optional[Tuple[List[str], List[int]]]:
        """
        For pure-ASCII text without control characters and without any never_split word in it,
        `tokenize(text)` and the character offset of each word in `text` (where its characters
        start, up to case); otherwise `None`.
        """
        if not text.isascii() or len(text.translate(_ASCII_DELETED)) != len(text):
            return None
        lowered = text.lower() if self.do_lower_case else text
        if any(word in lowered or word in text for word in self.never_split):
            return None
        words, offsets = [], []
        for match in _ASCII_WORD.finditer(lowered):
            words.append(match.group())
            offsets.append(match.start())
        return words, offsets

    def tokenize(self, text: str) -> List[str]:
        never_split = self.never_split
        lower = self.do_lower_case
        if text.isascii():
            text = text.translate(_ASCII_DELETED)
            lowered = text.lower() if lower else text
            # A never_split word (before or after lowercasing) could only be found where one of
            # them occurs; without any, the whole text is split at once.
            if not any(word in lowered or word in text for word in never_split):
                return _ASCII_WORD.findall(lowered)
        else:
            text = text.translate(self._clean_table)
        output: List[str] = []
        for token in text.split():
            if lower and token not in never_split:
                token = token.lower()
                if not token.isascii():
                    token = self._run_strip_accents(token)
            if token in never_split:
                if token:  # BasicTokenizer's final whitespace split drops an empty one
                    output.append(token)
            elif token.isascii():
                output.extend(_ASCII_WORD.findall(token))
            else:
                output.extend(token.translate(self._punctuation_table).split())
        return output

    def __getstate__(self) -> Dict:
        # The tables are caches: they are rebuilt empty rather than pickled.
        state = dict(self.__dict__)
        del state["_clean_table"], state["_punctuation_table"]
        return state

    def __setstate__(self, state: Dict) -> None:
        self.__dict__.update(state)
        self._clean_table = _CleanTable(self)
        self._punctuation_table = _PunctuationTable()
