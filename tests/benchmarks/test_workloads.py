"""
`benchmarks.workloads`: subjects, bodies and cutting texts at whole words (fixture vocabulary).
"""

from transformers import BertTokenizerFast

from benchmarks import workloads
from tests.paths import FIXTURES_ROOT


def test_subject_is_the_first_line_and_the_body_the_rest():
    assert workloads.subject_and_body("Re: hello\nfirst line\n\nsecond") == (
        "Re: hello",
        "first line\n\nsecond",
    )
    assert workloads.subject_and_body("only a subject") == ("only a subject", "")


def test_texts_are_cut_after_the_last_whole_word_that_fits():
    tokenizer = BertTokenizerFast(str(FIXTURES_ROOT / "bert" / "vocab.txt"))
    text = "the films was boringly great"  # the | film ##s | was | boring ##ly | great: 7 pieces
    assert workloads.cut_to_whole_words(text, tokenizer, budget=7) == text
    assert workloads.cut_to_whole_words(text, tokenizer, budget=5) == "the films was"
    assert workloads.cut_to_whole_words(text, tokenizer, budget=4) == "the films was"
    assert workloads.cut_to_whole_words(text, tokenizer, budget=3) == "the films"
    assert workloads.cut_to_whole_words(text, tokenizer, budget=2) == "the"
    assert workloads.cut_to_whole_words("films great", tokenizer, budget=1) is None
    assert workloads.cut_to_whole_words("   ", tokenizer, budget=5) is None
