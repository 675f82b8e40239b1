"""
The fixture BERT (`fixtures/bert`, written by `fixtures/make_fixtures.py`): its path, the ids of
wordpieces in its vocabulary, its whole-word entries, and the fixture BERT with sharper weights
and the fixture labels for the model tests.
"""

import torch
from allennlp.data import Vocabulary
from pytorch_pretrained_bert.modeling import BertModel

from bert_cls.modules import load_bert_model
from tests.paths import FIXTURE_BERT

BERT = str(FIXTURE_BERT)
VOCAB = FIXTURE_BERT / "vocab.txt"
# Ids in fixtures/bert/vocab.txt (its line number, from 0).
PAD, UNK, CLS, SEP, MASK = 0, 1, 2, 3, 4
THE, A, MOVIE, FILM, WAS, IS, AND, VERY = 5, 6, 7, 8, 11, 12, 13, 16
GREAT, GOOD, FUN, LOVE, BAD, DULL, I, IT, THIS = 17, 18, 19, 20, 21, 23, 25, 26, 27  # noqa: E741
PERIOD, COMMA, BANG = 28, 29, 30
S, ING = 33, 35
# Linear layers of the fixture BERT: 6 in each of its 2 layers, and the pooler.
ENCODER_LINEARS = 12
BERT_LINEARS = ENCODER_LINEARS + 1
# Fixture vocabulary entries that are whole words: each is exactly one wordpiece.
WORDS = (
    "the a movie film plot acting was is and but not very great good fun love bad boring dull hate "
    "i it this . , !"
).split()


def fixture_bert() -> BertModel:
    return load_bert_model(BERT)


def sharp_bert(scale: float) -> BertModel:
    """
    The fixture BERT with its Linear and embedding weights redrawn (seeded) at `scale`: its own
    small random weights make the pooled output nearly the same for every input, larger ones
    make inputs get different logits, so that tests can tell them apart.
    """
    bert = fixture_bert()
    generator = torch.Generator().manual_seed(6)
    with torch.no_grad():
        for module in bert.modules():
            if isinstance(module, (torch.nn.Linear, torch.nn.Embedding)):
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * scale)
    return bert


def labels_vocab() -> Vocabulary:
    vocab = Vocabulary()
    vocab.add_tokens_to_namespace(["pos", "neg"], "labels")
    return vocab
