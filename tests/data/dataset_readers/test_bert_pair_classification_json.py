import json
import logging
import shutil
from pathlib import Path
from typing import List

import pytest
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import Batch, DatasetReader, Instance, Vocabulary
from allennlp.data.token_indexers import SingleIdTokenIndexer

import bert_cls.data  # noqa: F401  (registers the plugin's classes)
from bert_cls.data.dataset_readers import (
    BadPairTextError,
    BertPairClassificationJsonReader,
    JsonLinesError,
)
from bert_cls.data.dataset_readers.bert_pair_classification_json import trim_longest_first
from bert_cls.data.token_indexers import PretrainedBertIndexer
from tests.fixture_bert import (
    BANG,
    CLS,
    FILM,
    GOOD,
    LOVE,
    MASK,
    MOVIE,
    PAD,
    SEP,
    THIS,
    VERY,
    VOCAB,
    A,
    I,
)
from tests.paths import FIXTURE_BERT, FIXTURES_ROOT

READER_LOGGER = "bert_cls.data.dataset_readers.bert_pair_classification_json"
INDEXER_LOGGER = "bert_cls.data.token_indexers.pretrained_bert_indexer"


def make_reader(
    max_pieces: int = 512, truncate: bool = True, **kwargs
) -> BertPairClassificationJsonReader:
    indexer = PretrainedBertIndexer(
        str(VOCAB), max_pieces=max_pieces, truncate_long_sequences=truncate
    )
    return BertPairClassificationJsonReader(token_indexers={"bert": indexer}, **kwargs)


def indexed(reader: BertPairClassificationJsonReader, instances: List[Instance]):
    for instance in instances:
        reader.apply_token_indexers(instance)
    batch = Batch(instances)
    batch.index_instances(Vocabulary())
    return batch.as_tensor_dict()["tokens"]["bert"]


def words(instance: Instance) -> List[str]:
    return [token.text for token in instance["tokens"].tokens]


def write(tmp_path: Path, content: str) -> str:
    path = tmp_path / "pairs.jsonl"
    path.write_text(content, encoding="utf-8")
    return str(path)


def test_reads_the_pair_fixture_as_one_field_with_a_separator():
    reader = make_reader()
    instances = list(reader.read(str(FIXTURES_ROOT / "data" / "pair_train.jsonl")))
    assert len(instances) == 8
    assert set(instances[0].fields) == {"tokens", "label"}
    assert words(instances[0]) == [
        "i",
        "love",
        "this",
        "movie",
        "!",
        "[SEP]",
        "a",
        "very",
        "good",
        "film",
    ]
    assert instances[0]["label"].label == "same"
    assert instances[4]["label"].label == "different"
    assert len(list(reader.read(str(FIXTURES_ROOT / "data" / "pair_dev.jsonl")))) == 4


def test_indexer_gives_cls_a_sep_b_sep_with_segment_ids():
    reader = make_reader()
    tensors = indexed(reader, [reader.text_to_instance("I love this movie !", "a very good film")])
    assert tensors["token_ids"].tolist() == [
        [CLS, I, LOVE, THIS, MOVIE, BANG, SEP, A, VERY, GOOD, FILM, SEP]
    ]
    assert tensors["type_ids"].tolist() == [[0] * 7 + [1] * 5]
    # One offset for each word, the [SEP] between the texts included.
    assert tensors["offsets"].tolist() == [list(range(1, 11))]


def test_registered_and_from_params():
    assert (
        DatasetReader.by_name("bert_pair_classification_json") is BertPairClassificationJsonReader
    )
    reader = DatasetReader.from_params(
        Params(
            {
                "type": "bert_pair_classification_json",
                "token_indexers": {
                    "bert": {
                        "type": "bert-pretrained",
                        "pretrained_model": str(VOCAB),
                        "max_pieces": 20,
                    }
                },
                "text_key": "premise",
                "text_pair_key": "hypothesis",
            }
        )
    )
    assert isinstance(reader, BertPairClassificationJsonReader)
    assert reader.max_pieces == 20
    assert (reader.text_key, reader.text_pair_key) == ("premise", "hypothesis")


def test_longer_text_is_trimmed_first_and_the_indexer_never_cuts(caplog):
    reader = make_reader(max_pieces=10)
    with caplog.at_level(logging.WARNING):
        # 9 + 3 wordpieces and 3 for [CLS] and the two [SEP]: 15. The first text loses 5 words.
        long_first = reader.text_to_instance("i love this film and it was very fun", "a good film")
        # On a tie the second text is trimmed.
        tie = reader.text_to_instance("a very good film", "i love this film")
        # 6 vs 5 wordpieces: the first text loses "it"; 5 vs 5: the second loses "film"; 5 vs 4:
        # the first loses "and"; 4 vs 4: the second loses "dullings" (3 wordpieces); 4 + 1 fit in 7.
        both = reader.text_to_instance("i love this film and it", "a dullings film")
        fits = reader.text_to_instance("i love it", "a good film")
    assert words(long_first) == ["i", "love", "this", "film", "[SEP]", "a", "good", "film"]
    assert words(tie) == ["a", "very", "good", "film", "[SEP]", "i", "love", "this"]
    assert words(both) == ["i", "love", "this", "film", "[SEP]", "a"]
    assert words(fits) == ["i", "love", "it", "[SEP]", "a", "good", "film"]
    tensors = indexed(reader, [long_first, both])
    assert tensors["token_ids"].tolist() == [
        [CLS, I, LOVE, THIS, FILM, SEP, A, GOOD, FILM, SEP],
        [CLS, I, LOVE, THIS, FILM, SEP, A, SEP, 0, 0],
    ]
    assert tensors["type_ids"].tolist() == [[0] * 6 + [1] * 4, [0] * 6 + [1] * 2 + [0] * 2]
    assert not [r for r in caplog.records if r.name == INDEXER_LOGGER]
    trimming = [r.getMessage() for r in caplog.records if r.name == READER_LOGGER]
    assert len(trimming) == 1
    assert "A pair of 15 wordpieces was trimmed to max_pieces=10" in trimming[0]


def test_trim_longest_first():
    assert trim_longest_first([1, 1, 1], [1], 4) == (3, 1)
    assert trim_longest_first([1, 1, 1], [1], 3) == (2, 1)
    assert trim_longest_first([1, 1], [1, 1], 3) == (2, 1)
    assert trim_longest_first([3], [1, 1], 2) == (0, 2)
    assert trim_longest_first([5], [5], 0) == (0, 0)


def test_max_pieces_follows_the_indexer():
    assert make_reader(max_pieces=30).max_pieces == 30
    assert make_reader(max_pieces=30, truncate=False).max_pieces is None
    assert (
        BertPairClassificationJsonReader(
            token_indexers={"bert": PretrainedBertIndexer(str(VOCAB), max_pieces=30)}, max_pieces=20
        ).max_pieces
        == 20
    )
    windows = BertPairClassificationJsonReader(
        token_indexers={
            "bert": PretrainedBertIndexer(str(VOCAB), max_pieces=10, truncate_long_sequences=False)
        },
        max_pieces=100,
    )
    assert windows.max_pieces == 100
    # Without trimming, the indexer's windows take a long pair whole.
    instance = make_reader(max_pieces=6, truncate=False).text_to_instance(
        "i love this film", "a good film"
    )
    assert words(instance) == ["i", "love", "this", "film", "[SEP]", "a", "good", "film"]


def test_max_pieces_follows_an_indexer_lowered_later():
    # A predictor lowers the indexer's max_pieces to its model's BERT after the reader is built.
    reader = make_reader(max_pieces=40)
    explicit = BertPairClassificationJsonReader(
        token_indexers={"bert": PretrainedBertIndexer(str(VOCAB), max_pieces=40)}, max_pieces=30
    )
    for pair_reader in (reader, explicit):
        pair_reader._bert_indexer.limit_max_pieces(20, "a smaller BERT")
        assert pair_reader.max_pieces == 20
    instance = reader.text_to_instance("I love this film " * 5, "a good film " * 5)
    assert len(indexed(reader, [instance])["token_ids"][0]) == 20


def test_a_bert_without_a_second_segment_is_refused(tmp_path):
    bert = tmp_path / "bert"
    shutil.copytree(FIXTURE_BERT, bert)
    config = json.loads((bert / "bert_config.json").read_text())
    (bert / "bert_config.json").write_text(json.dumps({**config, "type_vocab_size": 1}))
    indexer = PretrainedBertIndexer(str(bert), max_pieces=64)
    with pytest.raises(ConfigurationError) as error:
        BertPairClassificationJsonReader(token_indexers={"bert": indexer})
    assert str(error.value).startswith(
        "bert_pair_classification_json gives the two texts of a pair type ids 0 and 1, but the "
        f"BERT of '{bert / 'bert_config.json'}' has type_vocab_size 1: it has no second segment."
    )


def test_bad_max_pieces_and_indexers():
    indexer = PretrainedBertIndexer(str(VOCAB), max_pieces=30)
    with pytest.raises(ConfigurationError, match="max_pieces=40 is more than .* max_pieces=30"):
        BertPairClassificationJsonReader(token_indexers={"bert": indexer}, max_pieces=40)
    with pytest.raises(ConfigurationError, match="at least 3"):
        BertPairClassificationJsonReader(token_indexers={"bert": indexer}, max_pieces=2)
    with pytest.raises(
        ConfigurationError, match="needs a 'bert-pretrained' token indexer.*'tokens'"
    ):
        BertPairClassificationJsonReader(token_indexers={"tokens": SingleIdTokenIndexer()})
    with pytest.raises(ConfigurationError, match=r"does not keep the \[SEP\] token"):
        BertPairClassificationJsonReader(
            token_indexers={"bert": PretrainedBertIndexer(str(VOCAB), never_lowercase=[])}
        )
    with pytest.raises(ConfigurationError, match="both 'text'"):
        BertPairClassificationJsonReader(token_indexers={"bert": indexer}, text_pair_key="text")


def test_file_errors_name_file_and_line(tmp_path):
    reader = make_reader()
    cases = {
        '{"text": "good", "label": "same"}': (
            "has no 'text_pair' key (keys present: 'text', 'label')."
        ),
        '{"text": "good", "text_pair": " ", "label": "same"}': "'text_pair' is only whitespace;",
        '{"text": 3, "text_pair": "bad", "label": "same"}': "'text' is a number, not a string.",
        '{"text": "good", "text_pair": "bad"}': (
            "has no 'label' key, but the reader requires labels"
        ),
        '{"text": "good", "text_pair": "\\u0000\\u0001", "label": "same"}': (
            "'text_pair' has no words"
        ),
        "{'text': 'good'}": "is not valid JSON",
    }
    for line, problem in cases.items():
        first = '{"text": "good", "text_pair": "fun", "label": "same", "id": 1}'
        path = write(tmp_path, first + "\n\n" + line + "\n")
        with pytest.raises(JsonLinesError) as error:
            list(reader.read(path))
        assert str(error.value).startswith(f"{path}, line 3: {problem}")
    with pytest.raises(JsonLinesError, match="has no data"):
        list(reader.read(write(tmp_path, "\n")))
    # With special_tokens_in_text "keep", a typed [SEP] would start a third segment.
    first = '{"text": "good", "text_pair": "fun", "label": "same", "id": 1}'
    line = '{"text": "good [SEP] fun", "text_pair": "bad", "label": "same"}'
    path = write(tmp_path, first + "\n\n" + line + "\n")
    with pytest.raises(JsonLinesError) as error:
        list(make_reader(special_tokens_in_text="keep").read(path))
    assert str(error.value).startswith(f"{path}, line 3: 'text' holds the separator")


def test_typed_special_tokens_are_split_as_text_and_the_readers_sep_kept(tmp_path):
    reader = make_reader()
    # "[PAD]x" is no special token to bert-basic, which lowercases it.
    instance = reader.text_to_instance("good [SEP] fun [CLS]", "[MASK] bad [SEP] [PAD]x")
    assert words(instance) == (
        ["good", "[", "SEP", "]", "fun", "[", "CLS", "]", "[SEP]"]
        + ["[", "MASK", "]", "bad", "[", "SEP", "]", "[", "pad", "]", "x"]
    )
    tensors = indexed(reader, [instance])
    token_ids = tensors["token_ids"][0].tolist()
    # The reader's [SEP] and the indexer's [CLS] and final [SEP], no other special wordpiece.
    assert [position for position, i in enumerate(token_ids) if i in (CLS, SEP, MASK, PAD)] == [
        0,
        9,
        len(token_ids) - 1,
    ]
    assert tensors["type_ids"][0].tolist() == [0] * 10 + [1] * (len(token_ids) - 10)
    # From a file: a line with several [SEP] in each text is read, not refused.
    path = write(
        tmp_path,
        '{"text": "great [SEP] movie [SEP] boring", "text_pair": "a [SEP] b [SEP]", '
        '"label": "x"}\n',
    )
    (read,) = reader.read(path)
    assert words(read).count("[SEP]") == 1


def test_special_tokens_in_text_is_checked():
    with pytest.raises(ConfigurationError, match="Unknown special_tokens_in_text 'drop'"):
        make_reader(special_tokens_in_text="drop")


def test_text_to_instance_refuses_a_separator_or_no_words():
    reader = make_reader(special_tokens_in_text="keep")
    with pytest.raises(BadPairTextError, match=r"'text_pair' holds the separator token \[SEP\]"):
        reader.text_to_instance("good", "bad [SEP] dull")
    reader = make_reader()
    with pytest.raises(BadPairTextError, match="'text' has no words"):
        reader.text_to_instance("", "bad")
    # Lowercased, "[sep]" is no separator: BERT's tokenizer splits it like any text.
    assert words(reader.text_to_instance("good [sep]", "bad")) == [
        "good",
        "[",
        "sep",
        "]",
        "[SEP]",
        "bad",
    ]


def test_custom_keys_unlabelled_lines_and_integer_labels(tmp_path):
    path = write(
        tmp_path,
        '{"premise": "good", "hypothesis": "fun"}\n'
        '{"premise": "bad", "hypothesis": "dull", "y": 1}\n',
    )
    reader = make_reader(
        text_key="premise",
        text_pair_key="hypothesis",
        label_key="y",
        require_labels=False,
        skip_label_indexing=True,
    )
    instances = list(reader.read(path))
    assert [words(instance) for instance in instances] == [
        ["good", "[SEP]", "fun"],
        ["bad", "[SEP]", "dull"],
    ]
    assert "label" not in instances[0].fields
    assert instances[1]["label"].label == 1
