# Copyright 2026 movinet_ros maintainers
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.


"""
Dataset-level metrics over scored clips: accuracies, per-class precision and recall.

Each scored clip (a clip-labelled recording or an annotated segment) is one ``Outcome``:
its true label, its top-1 prediction (None when nothing was predicted) and whether the
true label was in its top 5. The figures are the ones the MoViNet papers and model cards
report for a clip dataset:

- ``top1_accuracy`` / ``top5_accuracy``: share of clips right at top-1 / top-5;
- per class: ``support`` (clips of that true label), ``predicted`` (clips predicted as
  it), ``recall`` = right / support, ``precision`` = right / predicted (None when the class
  was never predicted, or never occurs);
- ``mean_class_accuracy``: the mean recall over the classes that occur, so a large class
  does not hide a small one that always fails;
- ``confusion``: true label -> predicted label -> clips, ``NO_PREDICTION`` for none.

Every figure is a sum over clips, so it does not depend on the order they come in; labels
are listed in sorted order, so the same clips always give the same dictionary.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from movinet_ros.offline.scoring.frame_metrics import NO_PREDICTION


@dataclass(frozen=True)
class Outcome:
    """One scored clip: true label, top-1 prediction, and whether top-5 held the label."""

    label: str
    prediction: str | None
    correct_top5: bool

    @property
    def correct(self) -> bool:
        """Whether the top-1 prediction is the true label."""
        return self.prediction == self.label


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def class_report(outcomes: Iterable[Outcome]) -> dict[str, Any]:
    """Return the accuracies, per-class figures and confusion of the clips, as plain data."""
    outcomes = list(outcomes)
    support = Counter(outcome.label for outcome in outcomes)
    predicted = Counter(outcome.prediction for outcome in outcomes
                        if outcome.prediction is not None)
    right = Counter(outcome.label for outcome in outcomes if outcome.correct)
    confusion: dict[str, Counter[str]] = {}
    for outcome in outcomes:
        column = outcome.prediction if outcome.prediction is not None else NO_PREDICTION
        confusion.setdefault(outcome.label, Counter())[column] += 1
    per_class = {
        label: {
            'precision': _share(right[label], predicted[label]),
            'recall': _share(right[label], support[label]),
            'support': support[label],
            'predicted': predicted[label],
        }
        for label in sorted(set(support) | set(predicted))
    }
    # Every label in support has samples, so its recall is a number.
    recalls = [right[label] / support[label] for label in sorted(support)]
    return {
        'samples': len(outcomes),
        'top1_accuracy': _share(sum(right.values()), len(outcomes)),
        'top5_accuracy': _share(sum(outcome.correct_top5 for outcome in outcomes),
                                len(outcomes)),
        'mean_class_accuracy': sum(recalls) / len(recalls) if recalls else None,
        'classes': len(support),
        'per_class': per_class,
        'confusion': {label: dict(sorted(confusion[label].items()))
                      for label in sorted(confusion)},
    }
