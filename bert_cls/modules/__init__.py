from bert_cls.modules.bert_loading import load_bert_model
