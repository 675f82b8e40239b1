from bert_cls.commands.serve import Serve
