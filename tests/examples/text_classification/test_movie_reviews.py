from collections import Counter

from examples.text_classification.movie_reviews import (
    balanced,
    match_key,
    mr_overlap,
    without_repeats,
)
from examples.text_classification.source_formats import Document


def test_match_key_compares_mr_spelling_with_the_original():
    assert match_key("the film is n't a total loss . ") == match_key("The film isn't a total loss.")


def test_repeats_keep_the_first_and_conflicts_drop_all():
    documents = [
        Document("Great fun.", "positive", 1),
        Document("great fun", "positive", 2),
        Document("Not bad.", "positive", 3),
        Document("not bad", "negative", 4),
        Document("Dull.", "negative", 5),
    ]
    assert [d.row for d in without_repeats(documents)] == [1, 5]


def test_balancing_samples_the_larger_label_in_source_order():
    documents = [Document(str(i), "positive" if i % 3 else "negative", i) for i in range(30)]
    chosen = balanced(documents, seed=0)
    assert Counter(d.label for d in chosen) == {"positive": 10, "negative": 10}
    assert [d.row for d in chosen] == sorted(d.row for d in chosen)
    assert [d for d in chosen if d.label == "negative"] == [
        d for d in documents if d.label == "negative"
    ]
    assert balanced(documents, seed=0) == chosen != balanced(documents, seed=1)


def test_overlap_counts_sentences_found_with_the_same_label():
    sentences = [
        Document("a gem .", "positive", 1),
        Document("a dud .", "negative", 2),
        Document("so-so .", "negative", 3),
    ]
    documents = [Document("A gem.", "positive", 9), Document("A dud.", "positive", 8)]
    assert mr_overlap(sentences, documents) == {"all": 1, "positive": 1}
