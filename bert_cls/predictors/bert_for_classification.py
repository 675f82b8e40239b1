import logging
from typing import Iterator, List, Optional, Tuple, Union

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.common.util import JsonDict, sanitize
from allennlp.data import DatasetReader, Instance
from allennlp.models import Model
from allennlp.predictors.predictor import Predictor
from allennlp.predictors.text_classifier import TextClassifierPredictor
from overrides import overrides

from bert_cls.data.dataset_readers import BertPairClassificationJsonReader
from bert_cls.modules.fast_bert import quantize_int8 as quantize_model_int8
from bert_cls.modules.onnx_bert import DEFAULT_THREADS
from bert_cls.predictors.error_records import (
    BadPredictionInput,
    ErrorRecord,
    error_record_for,
    parse_line,
)
from bert_cls.predictors.input_mapping import check_has_words, pair_instance, single_text, with_id
from bert_cls.predictors.length_batching import length_sorted_batches, padded_length
from bert_cls.predictors.model_limits import fit_indexers_to_model

logger = logging.getLogger(__name__)


@Predictor.register("bert_for_classification")
class BertForClassificationPredictor(TextClassifierPredictor):
    """
    The default predictor of `bert_for_classification`. Each input is a JSON object with the
    text under `"sentence"` (as AllenNLP's `text_classifier` predictor takes it) or `"text"`
    (as `text_classification_json` data files are written). An `"id"` in the input is copied to
    the output. The output holds the model's `logits`, `probs` and `label`, and `label_probs`:
    each label name with its probability.

    When the model's dataset reader is `bert_pair_classification_json`, each input is a sentence
    pair: the first text under `"sentence"` or `"text"` (or the reader's `text_key`), the second
    under `"sentence_pair"` or `"text_pair"` (or its `text_pair_key`).

    # Bad input

    `allennlp predict` does not stop at a bad line: it writes an error record in that line's
    place and goes on, so one bad line does not cost a long job, and there is still one output
    line per input line. An error record looks like

        {"error": "'text' must be a string, got a number ('42')", "input_line": 7, "id": "a1"}

    (`id` only when the input had one). Bad lines are: not JSON, JSON that is not an object, no
    `sentence` or `text` key, text that is not a string, text without a word (empty, or only
    whitespace and control characters, as BERT's tokenizer drops those), and, when the input
    comes from stdin decoded with `surrogateescape`, bytes that are not UTF-8. Each one is also
    logged as a warning. A very long text is no error: it is tokenized and then truncated to the
    indexer's `max_pieces`, which the predictor lowers at construction to the model's BERT
    `max_position_embeddings` when it is larger (one warning). A special-token string typed in a
    text (`[SEP]`, `[CLS]`, ...) is text (see the checked readers' `special_tokens_in_text`). An
    input the model itself fails on gets an error record too: a batch the model fails on is
    predicted again one input at a time, so only the failing inputs lose their predictions.

    `input_line` is the 1-based number of the input among the lines AllenNLP hands to
    `load_line`. AllenNLP's predict skips empty and whitespace-only lines without showing them
    to the predictor, so those are not counted: `input_line` is the file's line number when the
    file has no blank lines, and otherwise that number minus the blank lines above the bad one.

    Not UTF-8: `allennlp predict` opens an input file as strict UTF-8, so an undecodable byte
    stops it with `UnicodeDecodeError` before the predictor sees any line of the chunk (8 KB)
    holding the byte; the output file then holds the predictions of the lines read before that
    chunk. To get error records instead, feed the file on stdin with
    `PYTHONIOENCODING=utf-8:surrogateescape allennlp predict model.tar.gz - --output-file out`
    (or clean it with `iconv -f utf-8 -t utf-8 -c`).

    Called from Python, `predict_json` and `predict_batch_json` raise `BadPredictionInput`
    (`bert_cls.predictors.error_records`) for a bad input instead, unless the input came from
    `load_line`.

    # Speed

    Predictions run under `torch.inference_mode()`, so the model takes its padding-free path
    (see the model's `padding_free_inference`), and a batch (`predict_batch_json`,
    `predict_batch_instance`, and so `allennlp predict --batch-size N`) runs as one model
    batch, whose padding costs that path nothing. For a model without that path, the batch is
    sorted by length in wordpieces and run as length-sorted sub-batches: consecutive instances
    of the sorted batch stay together as long as at most a quarter of a sub-batch's wordpieces
    are padding, so a batch mixing short and long inputs does not pad the short ones to the
    longest. Outputs come back in the order of the inputs and equal one-at-a-time predictions
    (within float rounding).

    # Parameters

    model : `Model`
        A `bert_for_classification` model.
    dataset_reader : `DatasetReader`
        The reader that makes its instances.
    frozen : `bool`, optional (default = `True`)
        As for any AllenNLP `Predictor`: if True, the model is put in eval mode.
    quantize_int8 : `bool`, optional (default = `False`)
        If True, the model is quantized for int8 inference on CPU, in place
        (`bert_cls.modules.fast_bert.quantize_int8`: dynamic quantization, per output
        channel, of BERT's encoder `torch.nn.Linear` layers; the pooler and the classification
        layer stay float32); it then runs its int8 layers on the same paths as fp32 ones. Faster
        on CPU, and the probabilities move a little from the fp32 model's. From the command line:
        `allennlp predict model.tar.gz input.jsonl --predictor-args '{"quantize_int8": true}'`.
        With `onnx_runtime`, ONNX Runtime quantizes its graph instead, and the torch model is
        left as it is.
    onnx_runtime : `bool`, optional (default = `False`)
        If True, the model computes its logits with ONNX Runtime
        (`BertForClassification.use_onnx_runtime`): its BERT, pooler and classification layer
        are exported to ONNX once, here (which takes seconds), optimized by ONNX Runtime's
        transformers optimizer, and quantized to int8 by ONNX Runtime when `quantize_int8` is
        true too. Inputs, length batching, window pooling, outputs and error records are as
        without it; the logits agree with torch's within float rounding (fp32). Needs the
        `onnx` extra (`bert_cls[onnx]`). From the command line:
        `--predictor-args '{"onnx_runtime": true}'`.
    onnx_runtime_threads : `int`, optional (default = `2`)
        With `onnx_runtime`, ONNX Runtime's intra-op threads: the cores one batch runs on.

    Registered as a `Predictor` with name "bert_for_classification".
    """

    def __init__(
        self,
        model: Model,
        dataset_reader: DatasetReader,
        frozen: bool = True,
        quantize_int8: bool = False,
        onnx_runtime: bool = False,
        onnx_runtime_threads: int = DEFAULT_THREADS,
    ) -> None:
        super().__init__(model, dataset_reader, frozen)
        fit_indexers_to_model(self._dataset_reader, self._model)
        if onnx_runtime:
            if not hasattr(self._model, "use_onnx_runtime"):
                raise ConfigurationError(
                    f"onnx_runtime needs a bert_for_classification model, not "
                    f"{type(self._model).__name__}."
                )
            self._model.use_onnx_runtime(int8=quantize_int8, threads=onnx_runtime_threads)
        elif quantize_int8:
            quantize_model_int8(self._model)

    # How many lines `load_line` has been given: the number of the last one.
    _lines_loaded = 0

    @overrides
    def predict(self, sentence: str) -> JsonDict:
        return self.predict_json({"sentence": sentence})

    @overrides
    def _json_to_instance(self, json_dict: JsonDict) -> Instance:
        if isinstance(self._dataset_reader, BertPairClassificationJsonReader):
            return pair_instance(self._dataset_reader, json_dict)
        return super()._json_to_instance({"sentence": single_text(json_dict)})

    @overrides
    def load_line(self, line: str) -> JsonDict:
        """
        Parses one input line. A line that cannot be used comes back as its error record, which
        `predict_json` and `predict_batch_json` pass through; any other input remembers its line
        number, for the error record of a problem found later (see the class doc).
        """
        self._lines_loaded += 1
        return parse_line(line, self._lines_loaded)

    @overrides
    def predict_json(self, inputs: JsonDict) -> JsonDict:
        """`predict_batch_json` of the one input: the same checks and error records."""
        return self.predict_batch_json([inputs])[0]

    @overrides
    def predict_batch_json(self, inputs: List[JsonDict]) -> List[JsonDict]:
        outputs: List[Optional[JsonDict]] = [
            dict(one_input) if isinstance(one_input, ErrorRecord) else None for one_input in inputs
        ]
        instances, positions = [], []
        for position, one_input in enumerate(inputs):
            if outputs[position] is None:
                instance = self._checked_instance(one_input)
                if isinstance(instance, Instance):
                    instances.append(instance)
                    positions.append(position)
                else:
                    outputs[position] = instance
        for position, prediction in zip(positions, self.predict_instances(instances)):
            if isinstance(prediction, Exception):
                record = error_record_for(inputs[position], prediction)
                if record is None:
                    raise prediction
                prediction = record
            outputs[position] = with_id(inputs[position], prediction)
        return outputs  # type: ignore[return-value]

    def checked_instance(self, inputs: JsonDict) -> Instance:
        """
        The instance for one JSON input. Raises `BadPredictionInput` saying what is wrong with the
        input: no text key (the keys present are listed), a text that is not a string, a text
        without words.
        """
        instance = self._json_to_instance(inputs)
        check_has_words(instance)
        return instance

    def _checked_instance(self, inputs: JsonDict) -> Union[Instance, JsonDict]:
        """
        `checked_instance`, except that a problem with an input from `load_line` gives its error
        record (see `error_record_for`).
        """
        try:
            return self.checked_instance(inputs)
        except Exception as error:
            record = error_record_for(inputs, error)
            if record is None:
                raise
            return with_id(inputs, record)

    @overrides
    def predict_instance(self, instance: Instance) -> JsonDict:
        with torch.inference_mode():
            return self._with_label_probs(super().predict_instance(instance))

    @overrides
    def predict_batch_instance(self, instances: List[Instance]) -> List[JsonDict]:
        """
        Predicts `instances` (see `predict_instances`) and returns the outputs in their order;
        raises the error of the first instance that cannot be predicted, if any.
        """
        outputs = self.predict_instances(instances)
        for output in outputs:
            if isinstance(output, Exception):
                raise output
        return outputs  # type: ignore[return-value]

    def predict_instances(self, instances: List[Instance]) -> List[Union[JsonDict, Exception]]:
        """
        Predicts `instances` in one batch or length-sorted sub-batches (see the class doc) under
        `torch.inference_mode()`, and returns the outputs in the order of `instances`. When the
        model fails on a sub-batch, its instances are predicted one at a time, and an instance
        that fails on its own gets, in its place, a `BadPredictionInput` saying why: one input
        the model cannot take never costs the others their predictions.
        """
        outputs: List[Union[JsonDict, Exception, None]] = [None] * len(instances)
        with torch.inference_mode():
            for instance in instances:
                self._dataset_reader.apply_token_indexers(instance)
            if getattr(self._model, "padding_free_inference", False):
                sub_batches = [list(range(len(instances)))]
            else:
                lengths = [padded_length(instance, self._model.vocab) for instance in instances]
                sub_batches = length_sorted_batches(lengths)
            for positions in sub_batches:
                for position, output in self._predict_sub_batch(instances, positions):
                    outputs[position] = output
        return outputs  # type: ignore[return-value]

    def _predict_sub_batch(
        self, instances: List[Instance], positions: List[int]
    ) -> Iterator[Tuple[int, Union[JsonDict, Exception]]]:
        try:
            predictions = self._model.forward_on_instances([instances[i] for i in positions])
        except Exception as error:
            if len(positions) == 1:
                yield (
                    positions[0],
                    BadPredictionInput(
                        f"the model could not predict this input ({type(error).__name__}: {error})"
                    ),
                )
                return
            logger.warning(
                "The model failed on a batch of %d inputs (%s: %s); predicting them one at a time.",
                len(positions),
                type(error).__name__,
                error,
            )
            for position in positions:
                yield from self._predict_sub_batch(instances, [position])
            return
        for position, prediction in zip(positions, predictions):
            yield position, self._with_label_probs(sanitize(prediction))

    def _with_label_probs(self, output: JsonDict) -> JsonDict:
        namespace = getattr(self._model, "label_namespace", "labels")
        index_to_label = self._model.vocab.get_index_to_token_vocabulary(namespace)
        output["label_probs"] = {
            index_to_label.get(i, str(i)): p for i, p in enumerate(output["probs"])
        }
        return output
