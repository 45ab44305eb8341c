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


"""Draw the ranked actions onto a frame, for ~/overlay and the offline animation."""

from collections.abc import Sequence

import cv2
from movinet_ros.core.postprocess import Hypothesis
import numpy as np

_BAR_COLOUR = (255, 170, 0)
_TEXT_COLOUR = (255, 255, 255)
_SHADE = 0.45


def draw_hypotheses(rgb: np.ndarray, hypotheses: Sequence[Hypothesis]) -> np.ndarray:
    """
    Return a copy of an RGB frame with one score bar and label per hypothesis, top-left.

    Text is scaled to the frame so it stays legible from 172x172 clips to 1080p cameras.
    """
    canvas = rgb.copy()
    height, width = canvas.shape[:2]
    scale = max(0.35, min(width, height) / 480.0)
    line = max(12, int(26 * scale))
    panel_width = min(width, int(330 * scale))
    panel_height = min(height, line * max(1, len(hypotheses)) + line // 3)
    # Darken the panel behind the text so labels read on bright scenes.
    panel = canvas[:panel_height, :panel_width]
    panel[:] = (panel * _SHADE).astype(np.uint8)
    thickness = max(1, int(round(scale)))
    for row, hypothesis in enumerate(hypotheses):
        top = row * line + line // 6
        bar_end = int(panel_width * float(np.clip(hypothesis.score, 0.0, 1.0)))
        cv2.rectangle(canvas, (0, top), (bar_end, top + line - line // 6), _BAR_COLOUR, -1)
        cv2.putText(canvas, f'{hypothesis.score:4.2f} {hypothesis.label}',
                    (int(4 * scale), top + int(line * 0.65)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.5 * scale, _TEXT_COLOUR, thickness, cv2.LINE_AA)
    return canvas
