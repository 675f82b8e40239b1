from bert_cls.evaluation.baseline import C_GRID, choose_c, run_baseline, tfidf_logistic_regression

SPORT = [
    "the team won the match",
    "a goal in the last minute of the match",
    "the team lost the cup",
]
COOKING = [
    "bake the bread in the oven",
    "the soup needs salt and bread",
    "slice the bread for the soup",
]
MUSIC = [
    "the band played a new song",
    "a song with a long guitar solo",
    "the band tours with the song",
]
TRAIN = (SPORT + COOKING + MUSIC, ["sport"] * 3 + ["cooking"] * 3 + ["music"] * 3)
VALIDATION = (
    ["the match and the team", "bread and soup", "a song by the band"],
    ["sport", "cooking", "music"],
)


def test_the_baseline_learns_three_topics_with_a_fixed_c():
    predicted, fit = run_baseline(TRAIN, VALIDATION[0], c=10.0)
    assert predicted == VALIDATION[1]
    assert fit["name"] == "TF-IDF + LR"
    assert fit["c"] == 10.0
    assert fit["train_size"] == 9
    assert "validation" not in fit


def test_c_is_chosen_on_validation_accuracy_then_the_smaller_c():
    chosen = choose_c(TRAIN, VALIDATION)
    assert sorted(chosen["validation"]) == sorted(repr(c) for c in C_GRID)
    scores = chosen["validation"]
    best = max((score["accuracy"], score["macro_f1"]) for score in scores.values())
    tied = [
        float(c) for c, score in scores.items() if (score["accuracy"], score["macro_f1"]) == best
    ]
    assert chosen["c"] == min(tied)
    predicted, fit = run_baseline(TRAIN, VALIDATION[0], validation=VALIDATION)
    assert fit["c"] == chosen["c"] and fit["validation"] == chosen["validation"]


def test_two_labels_fit_one_binary_model_as_logistic_regression_alone_does():
    texts, labels = SPORT + COOKING, ["a"] * 3 + ["b"] * 3
    model = tfidf_logistic_regression().fit(texts, labels)
    assert len(model[-1].estimators_) == 1
    assert len(tfidf_logistic_regression().fit(*TRAIN)[-1].estimators_) == 3
    assert run_baseline((texts, labels), ["the match", "the soup"])[0] == ["a", "b"]
