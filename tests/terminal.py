"""What must never reach an instructor's terminal: TensorFlow's and absl's start-up lines (test helper)."""

from __future__ import annotations

import re

# "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
# "I0000 00:00:1796588649.814197   12360 port.cc:153] oneDNN custom operations are on. ...", and the
# same glog-style prefix on any other native TensorFlow line.
TENSORFLOW_CHATTER = re.compile(r"absl::InitializeLog|oneDNN custom operations|^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ ",
                                re.MULTILINE)


def chatter(*outputs: str) -> list[str]:
    """The lines of the outputs that TensorFlow or absl printed."""
    return [line for text in outputs for line in text.splitlines() if TENSORFLOW_CHATTER.search(line)]
