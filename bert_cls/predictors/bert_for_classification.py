import json
import logging
from typing import List, Optional, Sequence, Union

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.common.util import JsonDict, sanitize
from allennlp.data import DatasetReader, Instance
from allennlp.data.fields import TextField
from allennlp.models import Model
from allennlp.predictors.predictor import Predictor
from allennlp.predictors.text_classifier import TextClassifierPredictor

from bert_cls.data.dataset_readers import BadPairTextError, BertPairClassificationJsonReader
from bert_cls.modules.quantization import quantize_int8 as quantize_model_int8

logger = logging.getLogger(__name__)

TEXT_KEYS = ("sentence", "text")
JSON_TYPE_NAMES = {
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "an array",
    dict: "an object",
    type(None): "null",
}
EXCERPT_LENGTH = 80
# A length-sorted sub-batch of a prediction batch is closed before an instance that would make
# more than this fraction of the sub-batch's wordpieces padding (see `length_sorted_batches`).
MAX_PADDING_FRACTION = 0.25


class BadPredictionInput(ConfigurationError, ValueError):
    """
    One prediction input the predictor cannot use: no text, text that is not a string, text with
    no words, a line that is not JSON or not UTF-8. A `ConfigurationError` for compatibility with
    code that caught that before; a `ValueError` because it is one.
    """


class _NumberedInput(dict):
    """An input parsed by `load_line`, remembering which input line it came from."""

    input_line: int


class _ErrorRecord(dict):
    """What `load_line` returns for a line it cannot parse: the error record written for it."""


def _excerpt(text: str) -> str:
    return repr(text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH] + "...")


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
    logged as a warning. A 1 MB text is no error: it is tokenized and then truncated to the
    indexer's `max_pieces` (about 2 s per MB).

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

    Called from Python, `predict_json` and `predict_batch_json` raise `BadPredictionInput` for a
    bad input instead, unless the input came from `load_line`.

    # Speed

    Predictions run under `torch.inference_mode()`, so the model takes its padding-free path
    (see the model's `padding_free_inference`). A batch (`predict_batch_json`,
    `predict_batch_instance`, and so `allennlp predict --batch-size N`) is sorted by length in
    wordpieces and run as length-sorted sub-batches: consecutive instances of the sorted batch
    stay together as long as at most a quarter of a sub-batch's wordpieces are padding, so a
    batch of similar lengths runs as one model batch of the size given, and a batch mixing short
    and long inputs does not pad the short ones to the longest. Outputs come back in the order
    of the inputs and equal one-at-a-time predictions (within float rounding).

    # Parameters

    model : `Model`
        A `bert_for_classification` model.
    dataset_reader : `DatasetReader`
        The reader that makes its instances.
    frozen : `bool`, optional (default = `True`)
        As for any AllenNLP `Predictor`: if True, the model is put in eval mode.
    quantize_int8 : `bool`, optional (default = `False`)
        If True, the model is quantized for int8 inference on CPU, in place
        (`bert_cls.modules.quantization.quantize_int8`: dynamic quantization, per output
        channel, of BERT's encoder `torch.nn.Linear` layers; the pooler and the classification
        layer stay float32); it then runs its plain forward. Faster on CPU, and the
        probabilities move a little from the fp32 model's. From the command line:
        `allennlp predict model.tar.gz input.jsonl --predictor-args '{"quantize_int8": true}'`.

    Registered as a `Predictor` with name "bert_for_classification".
    """

    def __init__(
        self,
        model: Model,
        dataset_reader: DatasetReader,
        frozen: bool = True,
        quantize_int8: bool = False,
    ) -> None:
        super().__init__(model, dataset_reader, frozen)
        if quantize_int8:
            quantize_model_int8(self._model)

    # How many lines `load_line` has been given: the number of the last one.
    _lines_loaded = 0

    def predict(self, sentence: str) -> JsonDict:
        return self.predict_json({"sentence": sentence})

    def _json_to_instance(self, json_dict: JsonDict) -> Instance:
        if isinstance(self._dataset_reader, BertPairClassificationJsonReader):
            return self._pair_json_to_instance(json_dict)
        key = next((key for key in TEXT_KEYS if key in json_dict), None)
        if key is None:
            raise BadPredictionInput(
                f"Prediction input needs a 'sentence' or 'text' key; got keys {sorted(json_dict)}."
            )
        self._check_is_text(key, json_dict[key])
        return super()._json_to_instance({"sentence": json_dict[key]})

    def _pair_json_to_instance(self, json_dict: JsonDict) -> Instance:
        # With the sentence-pair reader: the first text under "sentence", "text" or the reader's
        # text_key, the second under "sentence_pair", "text_pair" or its text_pair_key.
        reader = self._dataset_reader
        texts = []
        for keys in (
            ("sentence", "text", reader.text_key),
            ("sentence_pair", "text_pair", reader.text_pair_key),
        ):
            keys = tuple(dict.fromkeys(keys))
            key = next((key for key in keys if key in json_dict), None)
            if key is None:
                raise BadPredictionInput(
                    f"Sentence-pair prediction input needs one of the keys "
                    f"{', '.join(repr(k) for k in keys)}; got keys {sorted(json_dict)}."
                )
            self._check_is_text(key, json_dict[key])
            texts.append(json_dict[key])
        try:
            return reader.text_to_instance(*texts)
        except BadPairTextError as error:
            raise BadPredictionInput(str(error)) from error

    def load_line(self, line: str) -> JsonDict:
        """
        Parses one input line. A line that cannot be used comes back as its error record, which
        `predict_json` and `predict_batch_json` pass through; any other input remembers its line
        number, for the error record of a problem found later (see the class doc).
        """
        self._lines_loaded += 1
        try:
            line.encode("utf-8")
        except UnicodeEncodeError as error:
            # Undecodable bytes read with errors="surrogateescape" arrive as lone surrogates.
            code = ord(line[error.start])
            is_byte = 0xDC80 <= code <= 0xDCFF
            what = f"byte 0x{code - 0xDC00:02x}" if is_byte else f"character {code:#x}"
            return self._error_record(
                f"line is not valid UTF-8 ({what} at column {error.start + 1})"
            )
        try:
            inputs = json.loads(line)
        except json.JSONDecodeError as error:
            return self._error_record(
                f"line is not valid JSON ({error.msg} at column {error.pos + 1}): "
                f"{_excerpt(line.strip())}"
            )
        except (ValueError, RecursionError) as error:  # RecursionError: nested too deeply
            return self._error_record(
                f"line is not valid JSON ({type(error).__name__}: {error}): {_excerpt(line.strip())}"
            )
        if not isinstance(inputs, dict):
            kind = JSON_TYPE_NAMES.get(type(inputs), type(inputs).__name__)
            return self._error_record(
                f"line must be a JSON object with a 'sentence' or 'text' key, got {kind}: "
                f"{_excerpt(line.strip())}"
            )
        numbered = _NumberedInput(inputs)
        numbered.input_line = self._lines_loaded
        return numbered

    def predict_json(self, inputs: JsonDict) -> JsonDict:
        if isinstance(inputs, _ErrorRecord):
            return dict(inputs)
        instance = self._checked_instance(inputs)
        if not isinstance(instance, Instance):
            return instance
        return self._with_id(inputs, self.predict_instance(instance))

    def predict_batch_json(self, inputs: List[JsonDict]) -> List[JsonDict]:
        outputs: List[Optional[JsonDict]] = [
            dict(one_input) if isinstance(one_input, _ErrorRecord) else None for one_input in inputs
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
        if instances:
            predictions = self.predict_batch_instance(instances)
            for position, prediction in zip(positions, predictions):
                outputs[position] = self._with_id(inputs[position], prediction)
        return outputs  # type: ignore[return-value]

    def _checked_instance(self, inputs: JsonDict) -> Union[Instance, JsonDict]:
        """
        The instance for `inputs`, refusing one whose text has no word. A problem with an input
        from `load_line` gives its error record (other `ConfigurationError`s are the model's or
        the reader's, not the line's, and are raised); with any other input it is raised.
        """
        try:
            instance = self._json_to_instance(inputs)
            empty = [
                name
                for name, field in instance.fields.items()
                if isinstance(field, TextField) and not field.tokens
            ]
            if empty:
                raise BadPredictionInput(
                    "the text has no words: it is empty or only whitespace and control characters"
                    + (f" (field {', '.join(empty)})" if len(instance.fields) > 1 else "")
                )
            return instance
        except Exception as error:
            input_line = getattr(inputs, "input_line", None)
            if input_line is None or (
                isinstance(error, ConfigurationError) and not isinstance(error, BadPredictionInput)
            ):
                raise
            message = str(error)
            if not isinstance(error, BadPredictionInput):
                message = f"{type(error).__name__}: {error}"
            return self._with_id(inputs, self._error_record(message, input_line))

    def _error_record(self, message: str, input_line: int = None) -> JsonDict:
        input_line = self._lines_loaded if input_line is None else input_line
        logger.warning(
            "Prediction input line %d is bad, writing an error record: %s", input_line, message
        )
        return _ErrorRecord(error=message, input_line=input_line)

    @staticmethod
    def _check_is_text(key: str, value) -> None:
        if not isinstance(value, str):
            kind = JSON_TYPE_NAMES.get(type(value), type(value).__name__)
            raise BadPredictionInput(
                f"'{key}' must be a string, got {kind} ({_excerpt(json.dumps(value))})"
            )

    def predict_instance(self, instance: Instance) -> JsonDict:
        with torch.inference_mode():
            return self._with_label_probs(super().predict_instance(instance))

    def predict_batch_instance(self, instances: List[Instance]) -> List[JsonDict]:
        """
        Predicts `instances` in length-sorted sub-batches (see the class doc) under
        `torch.inference_mode()`, and returns the outputs in the order of `instances`.
        """
        outputs: List[Optional[JsonDict]] = [None] * len(instances)
        with torch.inference_mode():
            for instance in instances:
                self._dataset_reader.apply_token_indexers(instance)
            lengths = [self._wordpieces(instance) for instance in instances]
            for positions in length_sorted_batches(lengths):
                predictions = self._model.forward_on_instances([instances[i] for i in positions])
                for position, prediction in zip(positions, predictions):
                    outputs[position] = self._with_label_probs(sanitize(prediction))
        return outputs  # type: ignore[return-value]

    def _wordpieces(self, instance: Instance) -> int:
        """The length of `instance`'s longest padded field: its number of wordpieces."""
        instance.index_fields(self._model.vocab)  # once: the model's batch skips indexed instances
        return max(
            (length for field in instance.get_padding_lengths().values() for length in field.values()),
            default=0,
        )

    def _with_label_probs(self, output: JsonDict) -> JsonDict:
        namespace = getattr(self._model, "_label_namespace", "labels")
        index_to_label = self._model.vocab.get_index_to_token_vocabulary(namespace)
        output["label_probs"] = {index_to_label.get(i, str(i)): p for i, p in enumerate(output["probs"])}
        return output

    @staticmethod
    def _with_id(inputs: JsonDict, output: JsonDict) -> JsonDict:
        if "id" in inputs:
            output["id"] = inputs["id"]
        return output


def length_sorted_batches(
    lengths: Sequence[int], max_padding_fraction: float = MAX_PADDING_FRACTION
) -> List[List[int]]:
    """
    Splits the positions `0 .. len(lengths) - 1` into sub-batches of similar length: the
    positions sorted by length (ties in their order), cut into consecutive runs, a run being
    closed before a position whose length would make more than `max_padding_fraction` of the
    run's padded size (rows times its longest length) padding. Every position is in exactly one
    sub-batch; equal lengths always share one.
    """
    batches: List[List[int]] = []
    current: List[int] = []
    total = 0
    for position in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        length = lengths[position]
        padded = (len(current) + 1) * length
        if current and padded - (total + length) > max_padding_fraction * padded:
            batches.append(current)
            current, total = [], 0
        current.append(position)
        total += length
    if current:
        batches.append(current)
    return batches
