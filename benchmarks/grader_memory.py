"""The grader's own memory under attack: peak RSS of the grading process alone, honest vs hostile.

    python -m benchmarks.grader_memory [--attack NAME ...]

Each grading runs in a fresh Python process (the way a Dask worker or Gradescope's
run_autograder grades one submission), which reports its own peak resident set (VmHWM in
/proc/self/status: this process only, never the sandboxed kernel's). The baseline is the honest
light notebook of the attack tests; each hostile kind is one notebook of tests/attacks/ aimed at
the grader's memory. Target (issue 8): every hostile grading within baseline + 500 MB, with a
result. Writes benchmarks/results/grader_memory.md and .json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from autograder.course.paths import REPO

RESULTS = REPO / "benchmarks" / "results"
TARGET_MB = 500
# The notebooks of tests/attacks/ aimed at what the grader takes in, and what each does.
ATTACKS = {
    "huge_values_many_names": "globals of 300 MB each that tests read",
    "single_huge_print": "one 200 MB print",
    "comm_flood": "20 widget messages of 50 MB",
    "iopub_flood_during_probes": "8 MB outputs published without end while answers are read",
    "unbuilt_huge_model": "a model without input shape that would have ~290 M parameters",
    "many_opaque_types": "answers of 60,000 objects of distinct classes",
    "crafted_answer_files": "hostile answer files: deep, huge item counts, huge array tables",
    "probe_agent_echoes_inputs": "a probe agent that answers with records of its inputs",
    "grader_predicts_huge_activations": "a 3,082-parameter model whose grader-side predict holds 800 MB per batch",
    "display_updates_bypass_output_cap": "300 display ids, each updated with 3.9 MB",
    "multipart_message_bypasses_size_cap": "3 IOPub messages of 150 frames of 3.9 MB",
    "budget_sized_values_stay_cached": "three 128 MB globals the hidden checks read",
    "multipart_reply_bomb": "replies of 300 frames of 3.9 MB on the shell channel, to the relay",
}

CHILD = """
import json, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, {repo!r})
import nbformat
from autograder.course.assignments import get_assignment
from autograder.engine import GradingOptions, grade_submission
from tests.submissions import build_attack, honest_light_notebook

MNIST = get_assignment("mnist_nn")  # the lesson this benchmark grades
with tempfile.TemporaryDirectory() as folder:
    folder = Path(folder)
    attack = {attack!r}
    path = folder / "honest.ipynb"
    if attack:
        build_attack(Path({repo!r}) / "tests" / "attacks" / f"{{attack}}.py", path)
    else:
        nbformat.write(honest_light_notebook(), path)
    started = time.perf_counter()
    result = grade_submission(path, folder / "out", GradingOptions(MNIST.task()))
    seconds = time.perf_counter() - started
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({{"peak_kb": peak, "score": result.score, "status": result.status, "seconds": seconds}}))
"""


def measure(attack: str) -> dict:
    """Grade one notebook in a fresh process; its own peak memory and the outcome."""
    code = CHILD.format(repo=str(REPO), attack=attack)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=3600)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr or done.stdout)[-500:]}
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attack", action="append", choices=sorted(ATTACKS), help="only these (default: all)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    baseline = measure("")
    print(f"baseline (honest light notebook): {baseline['peak_kb'] / 1024:.0f} MB, score {baseline['score']}", flush=True)
    rows = []
    for attack in args.attack or ATTACKS:
        outcome = measure(attack)
        extra = (outcome["peak_kb"] - baseline["peak_kb"]) / 1024 if "peak_kb" in outcome else float("nan")
        rows.append({"attack": attack, "what": ATTACKS[attack], **outcome, "over_baseline_mb": round(extra, 1)})
        verdict = "ok" if extra <= TARGET_MB else "OVER TARGET"
        print(f"{attack:<28} {outcome.get('peak_kb', 0) / 1024:>6.0f} MB  +{extra:>6.1f} MB  "
              f"{outcome.get('status', 'error')} {outcome.get('score', '')}  {verdict}", flush=True)
    report = {"baseline_kb": baseline["peak_kb"], "target_mb": TARGET_MB, "rows": rows,
              "seconds": round(time.perf_counter() - started)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "grader_memory.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        "# The grader's own memory under attack",
        "",
        "`python -m benchmarks.grader_memory`: peak resident memory (VmHWM) of the grading process alone",
        f"(not the sandboxed kernel), one fresh process per notebook. Baseline: the honest light notebook,"
        f" {baseline['peak_kb'] / 1024:.0f} MB (Keras imported and the test data loaded). Target: at most +{TARGET_MB} MB.",
        "",
        "| hostile notebook | what it does | grader peak | over baseline | status | score |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(f"| `{row['attack']}` | {row['what']} | {row.get('peak_kb', 0) / 1024:.0f} MB | "
                     f"+{row['over_baseline_mb']:.0f} MB | {row.get('status', 'error')} | {row.get('score', '')} |")
    (RESULTS / "grader_memory.md").write_text("\n".join(lines) + "\n")
    return 0 if all(r["over_baseline_mb"] <= TARGET_MB for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
