"""The fixture BERT with sharper weights, and its labels and words, for the model tests."""
import torch
from allennlp.data import Vocabulary
from pytorch_pretrained_bert.modeling import BertModel

from bert_cls.modules import load_bert_model
from tests.paths import FIXTURES_ROOT

BERT = str(FIXTURES_ROOT / "bert")
CLS, SEP = 2, 3
# Fixture vocabulary entries that are whole words: each is exactly one wordpiece.
WORDS = (
    "the a movie film plot acting was is and but not very great good fun love bad boring dull hate i it "
    "this . , !"
).split()


def sharp_bert(scale: float) -> BertModel:
    """
    The fixture BERT with its Linear and embedding weights redrawn (seeded) at `scale`: its own
    small random weights make the pooled output nearly the same for every input, larger ones
    make inputs get different logits, so that tests can tell them apart.
    """
    bert = load_bert_model(BERT)
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
