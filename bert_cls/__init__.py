# Importing these modules registers their classes (and the `serve` subcommand) with AllenNLP;
# this is what `--include-package bert_cls` and the `.allennlp_plugins` file load. First, before
# any matrix product, MKL is pointed at its fast code path where it would take a slow one
# (bert_cls.common.blas).
from bert_cls.common.blas import use_fast_blas

use_fast_blas()

import sys  # noqa: E402

import bert_cls.data  # noqa: E402
import bert_cls.models  # noqa: E402
import bert_cls.predictors  # noqa: E402
import bert_cls.training  # noqa: E402

# The `serve` subcommand, when AllenNLP's command line loads the plugin (it has imported its
# commands by then); `import bert_cls` from Python does not load AllenNLP's commands for it.
if "allennlp.commands" in sys.modules:
    import bert_cls.commands  # noqa: E402, F401
