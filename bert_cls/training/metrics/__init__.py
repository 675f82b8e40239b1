from bert_cls.training.metrics.per_label_f1 import PerLabelF1
