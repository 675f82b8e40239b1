"""
The training time of a run that may have been killed and resumed. AllenNLP's
`training_duration` restarts with every `allennlp train --recover`, so the run command records
when each attempt started, and the time of the run is the sum, over attempts, of the last
`training_duration` each attempt wrote into `metrics_epoch_*.json`. The part of an epoch that a
kill cut short is not counted (it is trained again by the next attempt, and counted there).
"""

import json
import time
from pathlib import Path
from typing import Dict, List, Optional

from bert_cls.evaluation.training_run import duration_seconds, read_json


def record_attempt(attempts_log: Path, recover: bool) -> None:
    """Appends `{"started": <unix time>, "recover": ...}` to `attempts_log`."""
    attempts_log.parent.mkdir(parents=True, exist_ok=True)
    with open(attempts_log, "a", encoding="utf-8") as log:
        log.write(json.dumps({"started": time.time(), "recover": recover}) + "\n")


def attempt_starts(attempts_log: Path) -> List[float]:
    if not attempts_log.is_file():
        return []
    lines = attempts_log.read_text(encoding="utf-8").splitlines()
    return sorted(json.loads(line)["started"] for line in lines if line.strip())


def training_seconds(run_dir: Path, attempts_log: Path) -> Optional[float]:
    """
    Seconds of training (validation included) summed over the attempts of `attempts_log`, from
    the `metrics_epoch_*.json` of `run_dir`, each counted with the attempt whose start last
    precedes the file's modification time. `None` without attempts or epoch files.
    """
    starts = attempt_starts(attempts_log)
    epoch_files = list(run_dir.glob("metrics_epoch_*.json"))
    if not starts or not epoch_files:
        return None
    last_duration: Dict[int, float] = {}
    for epoch_file in epoch_files:
        modified = epoch_file.stat().st_mtime
        attempt = max((i for i, start in enumerate(starts) if start <= modified), default=0)
        duration = duration_seconds(read_json(epoch_file)["training_duration"])
        last_duration[attempt] = max(last_duration.get(attempt, 0.0), duration)
    return sum(last_duration.values())
