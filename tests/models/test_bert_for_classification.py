import logging

import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.common.testing import ModelTestCase
from allennlp.data import Batch, Vocabulary
from allennlp.data.data_loaders import SimpleDataLoader
from allennlp.models import Model
from allennlp.nn import InitializerApplicator, RegularizerApplicator
from allennlp.nn.regularizers import L2Regularizer
from allennlp.training import GradientDescentTrainer

import bert_cls  # noqa: F401  (registers the plugin's classes)
from bert_cls.models import BertForClassification
from bert_cls.models.bert_archival import BERT_CONFIG_BUFFER
from bert_cls.modules import load_bert_model
from tests.fixture_bert import BERT
from tests.paths import CONFIGS_ROOT, FIXTURES_ROOT

CONFIG = CONFIGS_ROOT / "bert_for_classification.jsonnet"
TRAIN = FIXTURES_ROOT / "data" / "train.jsonl"


def bert_params(model: BertForClassification):
    return {name: p.detach().clone() for name, p in model.bert_model.named_parameters()}


class TestBertForClassification(ModelTestCase):
    def setup_method(self):
        super().setup_method()
        self.set_up_model(CONFIG, TRAIN)

    def batch(self):
        return Batch(self.instances).as_tensor_dict()

    def test_model_can_train_save_and_load(self):
        self.ensure_model_can_train_save_and_load(self.param_file)

    def test_forward_outputs(self):
        output = self.model(**self.batch())
        assert output["logits"].shape == (len(self.instances), 2)
        assert torch.allclose(output["probs"], torch.softmax(output["logits"], dim=-1))
        expected_loss = torch.nn.functional.cross_entropy(output["logits"], self.batch()["label"])
        assert torch.allclose(output["loss"], expected_loss)
        assert set(self.model.get_metrics()) == {"accuracy"}

    def test_forward_without_label_has_no_loss(self):
        batch = self.batch()
        del batch["label"]
        assert "loss" not in self.model(**batch)

    def test_accuracy_counts_the_batch(self):
        batch = self.batch()
        output = self.model(**batch)
        expected = (output["logits"].argmax(-1) == batch["label"]).float().mean().item()
        assert self.model.get_metrics(reset=True)["accuracy"] == pytest.approx(expected)

    def test_decode_batch_adds_label_strings(self):
        output = self.model.decode(self.model(**self.batch()))
        labels = self.vocab.get_index_to_token_vocabulary("labels")
        assert output["label"] == [labels[i] for i in output["probs"].argmax(-1).tolist()]
        assert set(output["label"]) <= {"pos", "neg"}

    def test_decode_single_instance_probs(self):
        neg = self.vocab.get_token_index("neg", "labels")
        probs = torch.zeros(2)
        probs[neg] = 0.9
        assert self.model.decode({"probs": probs})["label"] == ["neg"]

    def test_decode_falls_back_to_the_index(self):
        model = BertForClassification(self.vocab, BERT, num_labels=4)
        probs = torch.tensor([[0.1, 0.1, 0.1, 0.7], [0.1, 0.1, 0.7, 0.1]])
        assert model.make_output_human_readable({"probs": probs})["label"] == ["3", "2"]

    def test_num_labels_from_vocab_or_given(self):
        assert BertForClassification(self.vocab, BERT)._classification_layer.out_features == 2
        assert (
            BertForClassification(self.vocab, BERT, num_labels=7)._classification_layer.out_features
            == 7
        )
        vocab = Vocabulary()
        vocab.add_tokens_to_namespace(["a", "b", "c"], "topic_labels")
        model = BertForClassification(vocab, BERT, label_namespace="topic_labels")
        assert model._classification_layer.out_features == 3

    def test_num_labels_below_the_vocabulary_size_is_a_configuration_error(self):
        vocab = Vocabulary()
        vocab.add_tokens_to_namespace(["a", "b", "c"], "topic_labels")
        with pytest.raises(
            ConfigurationError, match=r"num_labels is 2.*'topic_labels' has 3 labels"
        ):
            BertForClassification(vocab, BERT, num_labels=2, label_namespace="topic_labels")
        model = BertForClassification(vocab, BERT, num_labels=3, label_namespace="topic_labels")
        assert model._classification_layer.out_features == 3

    def test_no_labels_at_all_is_a_configuration_error(self):
        with pytest.raises(ConfigurationError, match="'labels' is empty"):
            BertForClassification(Vocabulary(), BERT)

    def test_public_names_for_the_classification_layer_and_label_namespace(self):
        vocab = Vocabulary()
        vocab.add_tokens_to_namespace(["a", "b", "c"], "topic_labels")
        model = BertForClassification(vocab, BERT, label_namespace="topic_labels")
        assert model.label_namespace == "topic_labels"
        assert model.classification_layer is model._classification_layer
        # The state dict (and so every archive) keeps the layer's registered name; beside BERT and
        # the layer, it holds BERT's configuration (bert_cls.models.bert_archival).
        layer_keys = {key for key in model.state_dict() if not key.startswith("bert_model.")}
        assert layer_keys == {
            "_classification_layer.weight",
            "_classification_layer.bias",
            BERT_CONFIG_BUFFER,
        }
        with pytest.raises(AttributeError):
            model.label_namespace = "labels"  # read-only

    def test_head_shape_follows_bert_hidden_size(self):
        assert self.model._classification_layer.in_features == 12

    def test_frozen_bert_stays_fixed_while_the_head_trains(self):
        model = BertForClassification(self.vocab, BERT, trainable=False)
        before = bert_params(model)
        head_before = model._classification_layer.weight.detach().clone()
        optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=0.1)
        model(**self.batch())["loss"].backward()
        optimizer.step()
        assert all(not p.requires_grad for p in model.bert_model.parameters())
        for name, value in model.bert_model.named_parameters():
            assert torch.equal(value, before[name]), name
        assert not torch.equal(model._classification_layer.weight, head_before)

    def test_trainable_bert_changes(self):
        model = BertForClassification(self.vocab, BERT)
        before = bert_params(model)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
        model(**self.batch())["loss"].backward()
        optimizer.step()
        changed = [
            n for n, p in model.bert_model.named_parameters() if not torch.equal(p, before[n])
        ]
        assert "pooler.dense.weight" in changed
        assert "encoder.layer.0.attention.self.query.weight" in changed

    def test_initializer_touches_only_the_head(self):
        initializer = InitializerApplicator.from_params(
            Params({"regexes": [[".*", {"type": "constant", "val": 0.5}]]})
        )
        model = BertForClassification(self.vocab, BERT, initializer=initializer)
        assert torch.all(model._classification_layer.weight == 0.5)
        assert torch.all(model._classification_layer.bias == 0.5)
        pretrained = load_bert_model(BERT).state_dict()
        for name, value in model.bert_model.state_dict().items():
            assert torch.equal(value, pretrained[name]), name

    def test_regularizer_penalty_enters_the_training_loss(self):
        regularizer = RegularizerApplicator(
            [("_classification_layer.weight", L2Regularizer(alpha=0.5))]
        )
        model = BertForClassification(self.vocab, BERT, regularizer=regularizer)
        penalty = model.get_regularization_penalty()
        assert penalty.item() == pytest.approx(
            0.5 * model._classification_layer.weight.pow(2).sum().item()
        )
        loader = SimpleDataLoader(self.instances, batch_size=len(self.instances), vocab=self.vocab)
        trainer = GradientDescentTrainer(model, torch.optim.SGD(model.parameters(), lr=0.0), loader)
        model.eval()
        plain_loss = model(**self.batch())["loss"].item()
        training_loss = trainer.batch_outputs(self.batch(), for_training=True)["loss"].item()
        assert training_loss == pytest.approx(plain_loss + penalty.item(), rel=1e-5)

    def test_two_models_from_one_string_share_no_parameters(self):
        first = BertForClassification(self.vocab, BERT)
        second = BertForClassification(self.vocab, BERT)
        first_storage = {p.data_ptr() for p in first.parameters()}
        assert not first_storage & {p.data_ptr() for p in second.parameters()}
        before = bert_params(second)
        optimizer = torch.optim.SGD(first.parameters(), lr=1.0)
        first(**self.batch())["loss"].backward()
        optimizer.step()
        for name, value in second.bert_model.named_parameters():
            assert torch.equal(value, before[name]), name

    def test_accepts_a_bert_model_object(self):
        bert = load_bert_model(BERT)
        model = BertForClassification(self.vocab, bert)
        assert model.bert_model is bert

    def test_from_params_by_registered_name(self):
        model_class = Model.by_name("bert_for_classification")
        assert model_class is BertForClassification
        model = Model.from_params(
            vocab=self.vocab,
            params=Params({"type": "bert_for_classification", "bert_model": BERT, "dropout": 0.2}),
        )
        assert isinstance(model, BertForClassification)
        assert model._dropout.p == 0.2
        assert model._index == "bert"
        assert model.default_predictor == "bert_for_classification"

    def test_seed_signature_defaults(self):
        import inspect

        params = inspect.signature(BertForClassification.__init__).parameters
        assert list(params)[:10] == [
            "self",
            "vocab",
            "bert_model",
            "dropout",
            "num_labels",
            "index",
            "label_namespace",
            "trainable",
            "initializer",
            "regularizer",
        ]
        assert params["dropout"].default == 0.0
        assert params["num_labels"].default is None
        assert params["index"].default == "bert"
        assert params["label_namespace"].default == "labels"
        assert params["trainable"].default is True
        assert isinstance(params["initializer"].default, InitializerApplicator)
        assert params["regularizer"].default is None
        assert list(params)[10:] == [
            "window_pooling",
            "class_weights",
            "per_label_metrics",
            "fused_layers",
            "padding_free_inference",
            "cls_only_last_layer",
            "kwargs",
        ]
        assert params["window_pooling"].default is None
        assert params["class_weights"].default is None
        assert params["per_label_metrics"].default is False

    def test_the_defaults_keep_the_plain_loss_and_metrics(self):
        assert self.model._loss.weight is None
        assert not any("_loss" in name for name in self.model.state_dict())
        self.model(**self.batch())
        assert set(self.model.get_metrics()) == {"accuracy"}

    def test_bert_is_asked_for_the_last_layer_only(self):
        full_last_layer = BertForClassification(self.vocab, BERT, cls_only_last_layer=False)
        layers_returned = []
        for model in (self.model, full_last_layer):
            hook = model.bert_model.encoder.register_forward_hook(
                lambda module, inputs, output: layers_returned.append(len(output))
            )
            model(**self.batch())
            hook.remove()
        # The default runs the layers one by one (the last at [CLS] alone), keeping none; ppb's
        # own encoder is asked for its last layer only.
        assert layers_returned == [1]

    def test_flat_layout_of_allennlp_0_9_gives_the_same_logits(self):
        self.model.eval()
        batch = self.batch()
        bert = batch["tokens"]["bert"]
        flat = {"bert": bert["token_ids"], "bert-type-ids": bert["type_ids"]}
        nested = self.model(**batch)["logits"]
        assert torch.allclose(self.model(tokens=flat)["logits"], nested, atol=1e-6)

    def test_pooled_output_goes_through_dropout_then_linear(self):
        model = BertForClassification(self.vocab, BERT, dropout=0.5)
        model.eval()
        batch = self.batch()
        bert = batch["tokens"]["bert"]
        _, pooled = model.bert_model(
            bert["token_ids"],
            bert["type_ids"],
            bert["wordpiece_mask"].long(),
            output_all_encoded_layers=False,
        )
        expected = model._classification_layer(pooled)
        assert torch.allclose(model(**batch)["logits"], expected, atol=1e-6)

    def test_unknown_index_lists_the_indexers_present(self):
        model = BertForClassification(self.vocab, BERT, index="wordpieces")
        with pytest.raises(ConfigurationError, match=r"index 'wordpieces'.*\['bert'\]"):
            model(**self.batch())

    def test_rows_longer_than_the_position_table_are_cut_keeping_their_final_sep(self, caplog):
        # Row 0: 70 wordpieces, [CLS] 5 ... 5 [SEP] with type ids 0 then 1; row 1: 4, padded.
        long_row = [2] + [5] * 30 + [3] + [6] * 37 + [3]
        ids = torch.tensor([long_row, [2, 7, 8, 3] + [0] * 66])
        type_ids = torch.tensor([[0] * 32 + [1] * 38, [0] * 70])
        mask = ids != 0
        model = self.model.eval()
        with caplog.at_level(logging.WARNING, logger="bert_cls.models.bert_for_classification"):
            logits = model(tokens={"bert": {"token_ids": ids, "type_ids": type_ids}})["logits"]
            model(tokens={"bert": {"token_ids": ids, "type_ids": type_ids}})
        cut_ids = torch.tensor([long_row[:63] + [3], [2, 7, 8, 3] + [0] * 60])
        cut_type_ids = torch.tensor([[0] * 32 + [1] * 32, [0] * 64])
        expected = model(tokens={"bert": {"token_ids": cut_ids, "type_ids": cut_type_ids}})
        assert torch.allclose(logits, expected["logits"], atol=1e-6)
        assert mask.sum() == 74
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert warnings == [
            "A batch has 70 wordpieces per row, more than this BERT's max_position_embeddings "
            "(64): rows that long are cut to their first 63 wordpieces and their final [SEP]. "
            "Set the indexer's max_pieces to at most 64 (or, to classify long inputs by windows, "
            "the indexer's truncate_long_sequences to false and the model's window_pooling to "
            '"mean" or "max"). This warning is given once.'
        ]

    def test_type_ids_beyond_the_token_type_table(self):
        ids = torch.tensor([[2, 5, 3, 6, 3, 7, 3]])
        type_ids = torch.tensor([[0, 0, 0, 1, 1, 2, 2]])
        with pytest.raises(ConfigurationError) as error:
            self.model(tokens={"bert": {"token_ids": ids, "type_ids": type_ids}})
        assert str(error.value).startswith(
            "Type id 2 is outside this BERT's token-type table (type_vocab_size 2): an input has "
            "more segments than this BERT takes."
        )
        assert 'special_tokens_in_text at "split"' in str(error.value)
        with pytest.raises(ConfigurationError, match="Type id -1 is outside"):
            negative = torch.tensor([[0, 0, 0, -1, 0, 0, 0]])
            self.model(tokens={"bert": {"token_ids": ids, "type_ids": negative}})

    def test_gold_labels_outside_the_classes_name_the_line(self):
        batch = self.batch()
        labels = batch["label"].clone()
        labels[1] = 7
        with pytest.raises(ConfigurationError) as error:
            self.model(tokens=batch["tokens"], label=labels)
        assert str(error.value).startswith(
            "Gold label 7 is not one of this model's 2 classes (labels it knows: "
        )
        lines = [f"data.jsonl, line {n}" for n in range(1, len(labels) + 1)]
        labels[1] = -1
        with pytest.raises(ConfigurationError) as error:
            self.model(tokens=batch["tokens"], label=labels, label_line=lines)
        assert str(error.value).startswith(
            "data.jsonl, line 2: gold label -1 is not one of this model's 2 classes"
        )

    def test_wordpiece_ids_beyond_the_embedding_table(self):
        ids = torch.tensor([[2, 500, 3]])
        with pytest.raises(
            ConfigurationError, match=r"outside this BERT's embedding table \(vocab_size 38\)"
        ):
            self.model(tokens={"bert": {"token_ids": ids}})
        with pytest.raises(ConfigurationError, match=r"Wordpiece id -4 is outside"):
            self.model(tokens={"bert": {"token_ids": torch.tensor([[2, -4, 3]])}})
