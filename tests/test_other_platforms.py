"""Attacks marked `# also: docker` (or `unprivileged`), graded as on Gradescope's Docker container
(or an instructor's own account with unprivileged bubblewrap), through tests/platforms.py.

tests/test_engine_attacks.py grades every attack with a control group (this machine allows one),
so the watchdog, which is all that bounds memory where no group can be made, is attacked here:
no control group, no mounts by the grader, seccomp; the same `# absent:`, `# limit: memory` and
leftover checks apply. A `# hole: PLATFORM: why` line marks a known hole there (documented in the
README): the run is expected to fail, and a fix shows up as an unexpected pass.
(Written by the second attack review, slow: about a minute per grading.)
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from autograder.limits import LOCAL, MB

from .platforms import grade_on
from .submissions import HONEST_LIGHT_SCORE, attacks, header

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.geteuid() != 0, reason="the platform emulation needs root")]


def _runs() -> list:
    runs = []
    for attack in attacks():
        text = attack.read_text()
        holes = set(re.findall(r"^# hole: (docker|unprivileged):", text, flags=re.MULTILINE))
        for platform in re.findall(r"^# also: (docker|unprivileged)\s*$", text, flags=re.MULTILINE):
            marks = [pytest.mark.xfail(strict=True, reason="known hole")] if platform in holes else []
            runs.append(pytest.param(platform, attack, id=f"{platform}-{attack.stem}", marks=marks))
    return runs


@pytest.mark.parametrize(("platform", "attack"), _runs())
def test_attack_on_other_platforms(platform: str, attack: Path):
    graded = grade_on(platform, [attack])
    seen = "\n".join(graded["summary"])
    record = graded["containment"]
    assert graded["left"] == [], graded
    assert graded["score"] <= HONEST_LIGHT_SCORE, graded
    if header(attack, "absent"):
        assert not re.search(header(attack, "absent"), seen), seen
    if header(attack, "limit") == "memory":
        assert any("memory" in hit for hit in record["limit_hits"]), graded["notes"]
    if header(attack, "limit") == "disk" and platform == "docker":  # no capped tmpfs: the watchdog is the bound
        assert any("wrote more than" in hit for hit in record["limit_hits"]), graded["notes"]
        assert record["disk_used_bytes"] < LOCAL.tree.disk_bytes + 128 * MB, graded["notes"]
