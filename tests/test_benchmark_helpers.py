"""
The pure helpers of `benchmarks/speed_memory.py`: FLOP counting, summaries, the ratio table and
the goal logic, on hand-computed and synthetic numbers (no timing, no model).
"""
import importlib.util
import sys

import pytest

from tests.paths import FIXTURES_ROOT, PROJECT_ROOT

_spec = importlib.util.spec_from_file_location(
    "speed_memory", PROJECT_ROOT / "benchmarks" / "speed_memory.py"
)
speed_memory = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("speed_memory", speed_memory)
_spec.loader.exec_module(speed_memory)  # type: ignore[union-attr]

BERT_CLS, INT8, HF, ALLENNLP = (
    speed_memory.BERT_CLS,
    speed_memory.BERT_CLS_INT8,
    speed_memory.HF,
    speed_memory.ALLENNLP,
)


def test_flops_of_a_tiny_bert_by_hand():
    dims = speed_memory.BertDims(hidden=4, intermediate=8, layers=2, num_labels=2)
    # One layer over 10 real tokens:
    #   Q, K, V projections   3 * 2*10*4*4 =  960
    #   Q K^T                 2*10*10*4    =  800
    #   A V                   2*10*4*10    =  800
    #   attention output      2*10*4*4     =  320
    #   feed-forward in, out  2*10*8*4 * 2 = 1280
    assert speed_memory.encoder_layer_flops(10, 4, 8) == 4160
    # The last layer as the pooled output needs it: [CLS] alone but keys and values.
    #   K, V projections      2 * 2*10*4*4 =  640
    #   [CLS] Q projection    2*1*4*4      =   32
    #   q K^T, a V            2 * 2*1*10*4 =  160
    #   attention output      2*1*4*4      =   32
    #   feed-forward in, out  2*1*8*4 * 2  =  128
    assert speed_memory.cls_layer_flops(10, 4, 8) == 992
    # One full layer, the last, the pooler on [CLS] (2*4*4 = 32) and the classifier (2*4*2 = 16).
    assert speed_memory.example_forward_flops(10, dims) == 4160 + 992 + 32 + 16


def test_flops_of_minilm_at_128_tokens():
    dims = speed_memory.BertDims(hidden=384, intermediate=1536, layers=6, num_labels=2)
    per_layer = 113_246_208 + 12_582_912 + 12_582_912 + 37_748_736 + 301_989_888
    assert speed_memory.encoder_layer_flops(128, 384, 1536) == per_layer == 478_150_656
    last = 75_497_472 + 294_912 + 98_304 + 98_304 + 294_912 + 2_359_296
    assert speed_memory.cls_layer_flops(128, 384, 1536) == last == 78_643_200
    assert speed_memory.example_forward_flops(128, dims) == 5 * per_layer + last + 294_912 + 1_536


def test_useful_flops_count_real_tokens_only_and_training_is_three_forwards():
    dims = speed_memory.BertDims(hidden=4, intermediate=8, layers=2, num_labels=2)
    lengths = [10, 3]
    forward = speed_memory.example_forward_flops(10, dims) + speed_memory.example_forward_flops(3, dims)
    assert speed_memory.useful_flops(lengths, dims) == forward
    assert speed_memory.useful_flops(lengths, dims, training=True) == 3 * forward
    # Attention grows with the square of each example's own length, not of the padded batch.
    assert speed_memory.useful_flops([10, 3], dims) < speed_memory.useful_flops([10, 10], dims)


def synthetic_summary():
    return {
        BERT_CLS: {"infer_short_eps": 300.0, "infer_long_eps": 21.0, "train_eps": 5.0,
                   "infer_long_gemm_fraction": 0.8, "rss_train_mb": 900.0, "rss_infer_mb": 500.0},
        INT8: {"infer_short_eps": 500.0, "infer_long_eps": 48.0, "infer_long_gemm_fraction": 1.7,
               "rss_infer_mb": 450.0},
        HF: {"infer_short_eps": 150.0, "infer_long_eps": 20.0, "train_eps": 4.0,
             "infer_long_gemm_fraction": 0.7, "rss_train_mb": 1000.0, "rss_infer_mb": 450.0},
        ALLENNLP: {"infer_short_eps": 200.0, "infer_long_eps": 19.0, "train_eps": 4.8,
                   "infer_long_gemm_fraction": 0.6, "rss_train_mb": 1100.0, "rss_infer_mb": 700.0},
    }


def test_best_peer_is_the_fastest_or_the_smallest_of_hf_and_allennlp():
    summary = synthetic_summary()
    assert speed_memory.best_peer(summary, "infer_short_eps") == (ALLENNLP, 200.0)
    assert speed_memory.best_peer(summary, "infer_long_eps") == (HF, 20.0)
    assert speed_memory.best_peer(summary, "rss_train_mb", higher_is_better=False) == (HF, 1000.0)
    # bert_cls itself is never its own reference, even when it is the best.
    assert speed_memory.best_peer(summary, "train_eps") == (ALLENNLP, 4.8)
    assert speed_memory.best_peer({BERT_CLS: {"x": 1.0}}, "x") == (None, None)


def test_table_cells_hold_the_value_and_the_ratio_to_the_best_peer():
    rows = speed_memory.table_rows(synthetic_summary(), [BERT_CLS, INT8, HF, ALLENNLP])
    header = ["system"] + [column.key for column in speed_memory.COLUMNS]
    table = {row[0]: dict(zip(header, row)) for row in rows}
    assert table[BERT_CLS]["infer_short_eps"] == "300.0 (1.50x)"
    assert table[BERT_CLS]["infer_long_eps"] == "21.0 (1.05x)"
    assert table[ALLENNLP]["infer_short_eps"] == "200.0 (1.00x)"
    assert table[HF]["infer_short_eps"] == "150.0 (0.75x)"
    assert table[BERT_CLS]["infer_long_gemm_fraction"] == "80% (1.14x)"
    assert table[BERT_CLS]["rss_train_mb"] == "900 (0.90x)"
    assert table[INT8]["train_eps"] == "n/a"
    markdown = speed_memory.markdown_table(["system"] + header[1:], rows)
    lines = markdown.splitlines()
    assert len(lines) == 2 + 4 and all(line.startswith("| ") or line.startswith("|---") for line in lines)


def goals_by_name(summary, accuracy, max_drop=0.01):
    results = speed_memory.evaluate_goals(summary, accuracy, speed_memory.default_goals(max_drop))
    return {result["goal"]: result for result in results}


def test_goals_are_computed_from_the_measurements():
    accuracy = {"fp32": 0.97, "int8": 0.965, "examples": 887}
    goals = goals_by_name(synthetic_summary(), accuracy)
    short = goals["fp32 inference, short texts, vs fastest peer"]
    assert short["measured"] == pytest.approx(1.5) and short["met"] == "yes"
    assert short["reference_system"] == ALLENNLP
    long = goals["fp32 inference, long texts, vs fastest peer"]
    assert long["measured"] == pytest.approx(1.05) and long["met"] == "yes"
    int8_short = goals["int8 inference, short texts, vs fastest fp32 peer"]
    assert int8_short["measured"] == pytest.approx(2.5) and int8_short["met"] == "yes"
    int8_long = goals["int8 inference, long texts, vs fastest fp32 peer"]
    assert int8_long["measured"] == pytest.approx(2.4) and int8_long["met"] == "no"
    training = goals["training, vs fastest peer"]
    assert training["measured"] == pytest.approx(5.0 / 4.8) and training["met"] == "no"
    gemm = goals["fp32 long-text inference, useful GFLOP/s / GEMM GFLOP/s"]
    assert gemm["measured"] == pytest.approx(0.8) and gemm["met"] == "yes"
    memory = goals["peak training RSS, vs lowest peer"]
    assert memory["measured"] == pytest.approx(0.9) and memory["met"] == "yes"
    drop = goals["test accuracy, int8 vs fp32 (drop at most)"]
    assert drop["measured"] == pytest.approx(0.005) and drop["met"] == "yes"
    assert goals_by_name(synthetic_summary(), accuracy, max_drop=0.001)[drop["goal"]]["met"] == "no"


def test_memory_goal_fails_above_the_lowest_peer():
    summary = synthetic_summary()
    summary[BERT_CLS]["rss_train_mb"] = 1000.5
    result = goals_by_name(summary, None)["peak training RSS, vs lowest peer"]
    assert result["met"] == "no" and result["reference_system"] == HF


def test_missing_measurements_are_not_met_but_said_why():
    summary = synthetic_summary()
    summary[INT8] = {"unavailable": "ImportError: no quantization"}
    goals = goals_by_name(summary, {"skipped": "no --archive given"})
    int8 = goals["int8 inference, short texts, vs fastest fp32 peer"]
    assert int8["met"] == "n/a" and "ImportError" in int8["detail"]
    accuracy = goals["test accuracy, int8 vs fp32 (drop at most)"]
    assert accuracy["met"] == "n/a" and "no --archive" in accuracy["detail"]
    rows = speed_memory.goal_rows(list(goals.values()))
    assert [row[3] for row in rows] == ["yes", "yes", "n/a", "n/a", "no", "yes", "yes", "n/a"]
    assert rows[6][2] == "<= 1.00x" and rows[0][2] == ">= 1.50x"


def test_summary_takes_medians_and_divides_by_the_gemm_reference():
    dims = speed_memory.BertDims(hidden=4, intermediate=8, layers=2, num_labels=2)
    flops_10 = speed_memory.example_forward_flops(10, dims)
    raw = {
        "inference": {
            BERT_CLS: {
                "lengths": {"short": [10, 10], "long": [10, 10]},
                "reps": {
                    "short": [{"seconds": s, "examples": 2} for s in (1.0, 4.0, 2.0)],
                    "long": [{"seconds": 1.0, "examples": 2}],
                },
                "peak_rss_kb": 2048 * 1024,
            },
            INT8: {"unavailable": "ImportError"},
        },
        "training": {
            BERT_CLS: {"reps": [{"seconds": 2.0, "examples": 2, "lengths": [[10, 10]]}],
                       "peak_rss_kb": 3072 * 1024},
        },
        "training_mmap_threshold": {
            BERT_CLS: {"steps": 3, "peak_rss_kb": 1536 * 1024},
            INT8: {"unavailable": "ImportError"},
        },
    }
    summary = speed_memory.summarize(raw, dims, gemm_gflops=2 * flops_10 / 1e9)
    entry = summary[BERT_CLS]
    assert entry["infer_short_eps"] == pytest.approx(1.0)  # median of 2/1, 2/4, 2/2
    assert entry["infer_long_gflops"] == pytest.approx(2 * flops_10 / 1e9)
    assert entry["infer_long_gemm_fraction"] == pytest.approx(1.0)
    assert entry["train_eps"] == pytest.approx(1.0)
    assert entry["train_gemm_fraction"] == pytest.approx(1.5)  # 3 * 2 * flops / 2 s
    assert entry["rss_infer_mb"] == 2048 and entry["rss_train_mb"] == 3072
    assert entry["rss_train_mmap_mb"] == 1536
    assert summary[INT8] == {"unavailable": "ImportError"}


def test_round_robin_order_rotates():
    systems = ["a", "b", "c"]
    assert [speed_memory.rotated(systems, rep) for rep in range(4)] == [
        ["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "b", "c"]]


def test_subject_is_the_first_line_and_the_body_the_rest():
    assert speed_memory.subject_and_body("Re: hello\nfirst line\n\nsecond") == ("Re: hello", "first line\n\nsecond")
    assert speed_memory.subject_and_body("only a subject") == ("only a subject", "")


def test_texts_are_cut_after_the_last_whole_word_that_fits():
    from transformers import BertTokenizerFast

    tokenizer = BertTokenizerFast(str(FIXTURES_ROOT / "bert" / "vocab.txt"))
    text = "the films was boringly great"  # the | film ##s | was | boring ##ly | great: 7 pieces
    assert speed_memory.cut_to_whole_words(text, tokenizer, budget=7) == text
    assert speed_memory.cut_to_whole_words(text, tokenizer, budget=5) == "the films was"
    assert speed_memory.cut_to_whole_words(text, tokenizer, budget=4) == "the films was"
    assert speed_memory.cut_to_whole_words(text, tokenizer, budget=3) == "the films"
    assert speed_memory.cut_to_whole_words(text, tokenizer, budget=2) == "the"
    assert speed_memory.cut_to_whole_words("films great", tokenizer, budget=1) is None
    assert speed_memory.cut_to_whole_words("   ", tokenizer, budget=5) is None
