"""The example's config, built whole by AllenNLP's `TrainModel.from_params`."""

import logging

from allennlp.training.callbacks import ConsoleLoggerCallback

from tests.paths import SPAMASSASSIN_EXAMPLE
from tests.test_configs import build_and_run_a_batch

CONFIG = SPAMASSASSIN_EXAMPLE / "spamassassin_minilm.jsonnet"


def test_config_builds_and_runs_a_batch(tmp_path):
    build_and_run_a_batch(CONFIG, {}, tmp_path)


def test_console_logger_does_not_print_the_first_batch(tmp_path, caplog):
    train_model = build_and_run_a_batch(CONFIG, {}, tmp_path)
    trainer = train_model.trainer
    console_loggers = [c for c in trainer._callbacks if isinstance(c, ConsoleLoggerCallback)]
    assert len(console_loggers) == 1
    batch = next(iter(trainer.data_loader))
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="allennlp.training.callbacks.console_logger"):
        for is_training in (True, False):
            console_loggers[0].on_batch(
                trainer, [batch], [{}], {}, epoch=0, batch_number=1, is_training=is_training
            )
    assert caplog.records == []
