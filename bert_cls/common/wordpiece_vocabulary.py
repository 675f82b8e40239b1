"""
BERT's wordpiece vocabulary inside AllenNLP's `Vocabulary`, under the namespace "bert".

As in AllenNLP 0.9, the wordpieces are kept in a non-padded namespace, so that the index of each
wordpiece in the namespace is its BERT id. `allennlp train` saves the vocabulary as
`vocabulary/bert.txt` in the run directory and the model archive, one wordpiece a line in id
order: the format of BERT's own `vocab.txt`. That file is what makes an archive self-contained
for the `bert-pretrained` indexer: loaded from an archive, the indexer reads it instead of the
`pretrained_model` path it was trained with.
"""

from pathlib import Path
from typing import List, Optional, Union

from allennlp.common.checks import ConfigurationError
from allennlp.data.vocabulary import Vocabulary

WORDPIECE_NAMESPACE = "bert"
# Where `allennlp train` saves the vocabulary, in a run directory and in a model archive.
VOCABULARY_DIRECTORY = "vocabulary"


def wordpieces_of(vocabulary: Vocabulary) -> Optional[List[str]]:
    """The wordpieces in `vocabulary`'s "bert" namespace, in id order; `None` when it has none."""
    if WORDPIECE_NAMESPACE not in vocabulary.get_namespaces():
        return None
    index_to_token = vocabulary.get_index_to_token_vocabulary(WORDPIECE_NAMESPACE)
    return [index_to_token[index] for index in range(len(index_to_token))]


def add_wordpieces(vocabulary: Vocabulary, wordpieces: List[str], source: str) -> None:
    """
    Puts `wordpieces` (in id order) into `vocabulary`'s "bert" namespace. When the namespace
    already holds a vocabulary, it must be this one: a `ConfigurationError` names `source` (the
    file the wordpieces came from) otherwise, since a model and an indexer that disagree on the
    wordpieces would index text with ids the model does not mean.
    """
    present = wordpieces_of(vocabulary)
    if present is None:
        vocabulary.extend_from_vocab(
            Vocabulary(
                non_padded_namespaces=[WORDPIECE_NAMESPACE],
                tokens_to_add={WORDPIECE_NAMESPACE: wordpieces},
            )
        )
        return
    if present != wordpieces:
        different = next(
            (i for i, (a, b) in enumerate(zip(present, wordpieces)) if a != b),
            min(len(present), len(wordpieces)),
        )
        raise ConfigurationError(
            f"The BERT vocabulary {source} ({len(wordpieces)} wordpieces) differs from the one "
            f"already in the vocabulary's '{WORDPIECE_NAMESPACE}' namespace ({len(present)} "
            f"wordpieces; first difference at id {different}). The bert-pretrained indexer's "
            f"pretrained_model and the model's bert_model must name the same BERT."
        )


def archived_vocab_file(serialization_dir: Optional[Union[str, Path]]) -> Optional[Path]:
    """
    The wordpiece vocabulary saved in a run directory or an (extracted) model archive,
    `vocabulary/bert.txt`, when `serialization_dir` has one; else `None`.
    """
    if serialization_dir is None:
        return None
    path = Path(serialization_dir) / VOCABULARY_DIRECTORY / f"{WORDPIECE_NAMESPACE}.txt"
    return path if path.is_file() else None
