# Importing these modules registers their classes with AllenNLP; this is what
# `--include-package bert_cls` and the `.allennlp_plugins` file load.
import bert_cls.data
import bert_cls.models
import bert_cls.predictors
import bert_cls.training
