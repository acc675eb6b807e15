"""The results of a mutation run: the terminal table, the JSON object and an HTML page."""

from __future__ import annotations

from ..classroom.class_report import _e, _page, _table
from .run import ACCEPTED, CLASSES, DETECTED, EQUIVALENT, KILLED, NOT_JUDGED, SURVIVED, MutantResult, RunReport

COLUMNS = ("mutants", *CLASSES, "score")
ALWAYS = ("mutants", KILLED, SURVIVED, EQUIVALENT)
LISTS = (
    ("Survivors", SURVIVED),
    ("Accepted survivors (correct answers the question allows)", ACCEPTED),
    ("Equivalent (left out of the score)", EQUIVALENT),
)


def score(counts: dict[str, int], raw: bool = False) -> float | None:
    """detected / (mutants - equivalent - accepted - not judged); raw keeps the accepted ones. None if nothing counts."""
    left_out = counts[EQUIVALENT] + counts[NOT_JUDGED] + (0 if raw else counts[ACCEPTED])
    judged = counts["mutants"] - left_out
    return round(sum(counts[c] for c in DETECTED) / judged, 4) if judged else None


def counts(report: RunReport, question: str | None = None) -> dict[str, int]:
    results = report.results if question is None else report.of(question)
    return {"mutants": len(results), **{c: sum(r.status == c for r in results) for c in CLASSES}}


def _targets(report: RunReport, question: str) -> list[str]:
    return list(dict.fromkeys(r.mutant.target.label for r in report.of(question)))


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _listed(report: RunReport, status: str) -> list[MutantResult]:
    return [r for r in report.results if r.status == status]


def _row(question: str, label: str, cells: list, last: str) -> str:
    return f"{question:<9}{label:<30}" + "".join(f"{c:>11}" for c in cells) + f"{last:>11}"


def _entry(result: MutantResult) -> str:
    return result.mutant.diff + (f"\n  ({result.detail})" if result.status == ACCEPTED else "")


def table(report: RunReport) -> str:
    """The per-question table, then every survivor as a short diff, the accepted and equivalent ones, the rest."""
    total = counts(report)
    shown = [c for c in COLUMNS[:-1] if c in ALWAYS or total[c]]  # other classes only when they occur
    header = _row("question", "target", shown, "score")
    restarts = f", {report.restarts} kernel restart(s)" if report.restarts else ""
    lines = [
        f"Mutation testing of {report.assignment}: {len(report.results)} mutants in {report.seconds:.0f} s "
        f"(the reference ran once, in {report.reference_seconds:.0f} s{restarts}; CPU time {report.cpu_seconds:.0f} s)",
        "score = (killed + timed out + crashed) / (mutants - equivalent - accepted - not judged)",
        "",
        header,
        "-" * len(header),
    ]
    for question in report.questions():
        found = counts(report, question)
        label = ", ".join(_targets(report, question))
        label = label if len(label) < 30 else label[:26] + "..."
        lines.append(_row(question, label, [found[c] for c in shown], _percent(score(found))))
    lines += ["-" * len(header), _row("total", "", [total[c] for c in shown], _percent(score(total)))]
    lines.append(f"raw score (accepted survivors counted as survivors): {_percent(score(total, raw=True))}")
    sampled = {q: n for q, n in report.generated.items() if n > len(report.of(q))}
    if sampled:
        lines.append("sampled: " + ", ".join(f"{q} {len(report.of(q))} of {n} mutants" for q, n in sampled.items()))
    for title, status in LISTS:
        listed = _listed(report, status)
        if listed:
            lines += ["", f"{title}: {len(listed)}", "", *(f"{_entry(r)}\n" for r in listed)]
    others = [r for r in report.results if r.status not in (SURVIVED, ACCEPTED, EQUIVALENT, KILLED)]
    if others:
        lines += ["", "Not judged, timed out or crashed:", ""]
        lines += [f"[{r.status}] {r.mutant.diff.splitlines()[0]}: {r.detail}" for r in others]
    if report.unmatched:
        lines += ["", "Accepted entries that matched no survivor (killed now, or the solution changed):"]
        lines += [f"  {a.target}: {' / '.join(a.change)}" for a in report.unmatched]
    lines += ["", *_honest_lines(report)]
    return "\n".join(lines).rstrip() + "\n"


def _honest_lines(report: RunReport) -> list[str]:
    """The corpus's honest styles: how many kept every check, and each one a check rejected."""
    rejected = {name: failed for name, failed in report.honest.items() if failed}
    lines = [f"Honest corpus styles judged: {len(report.honest)}, rejected by a check: {len(rejected)}"]
    for name, failed in rejected.items():
        lines += [f"  REJECTED {name}: {label}: {message}" for label, message in failed.items()]
    lines += [f"  not judged {name}: {reason}" for name, reason in report.honest_not_judged.items()]
    return lines


def as_json(report: RunReport) -> dict:
    """The table as one JSON object (the shape of issue 11, plus the other classes and lists)."""
    questions = {}
    for question in report.questions():
        found, results = counts(report, question), report.of(question)
        questions[question] = {
            "targets": _targets(report, question),
            "mutants": found["mutants"],
            "generated": report.generated.get(question, found["mutants"]),
            "killed": found[KILLED],
            "survived": found[SURVIVED],
            "accepted": found[ACCEPTED],
            "equivalent": found[EQUIVALENT],
            "timed_out": found["timed out"],
            "crashed": found["crashed"],
            "not_judged": found[NOT_JUDGED],
            "score": score(found),
            "raw_score": score(found, raw=True),
            "seconds": round(sum(r.seconds for r in results), 1),
            "survivors": [r.mutant.diff for r in results if r.status == SURVIVED],
            "accepted_survivors": [{"diff": r.mutant.diff, "reason": r.detail} for r in results if r.status == ACCEPTED],
            "equivalents": [r.mutant.diff for r in results if r.status == EQUIVALENT],
            "not_judged_reasons": sorted({r.detail for r in results if r.status == NOT_JUDGED}),
        }
    total = counts(report)
    return {
        "assignment": report.assignment,
        "seconds": round(report.seconds, 1),
        "reference_seconds": round(report.reference_seconds, 1),
        "restarts": report.restarts,
        "cpu_seconds": round(report.cpu_seconds, 1),
        "total": {"mutants": total["mutants"], "score": score(total), "raw_score": score(total, raw=True)},
        "questions": questions,
        "unmatched_accepted": [{"target": a.target, "change": list(a.change)} for a in report.unmatched],
        "honest_styles": {name: {"failed": failed} for name, failed in report.honest.items()},
        "honest_styles_not_judged": report.honest_not_judged,
        "digests": report.digests,
    }


def html(report: RunReport) -> str:
    """A self-contained page in the class report's style: the table and every listed mutant."""
    header = ["question", "target", *COLUMNS]
    rows = []
    for question in report.questions():
        found = counts(report, question)
        cells = [str(found[c]) for c in COLUMNS[:-1]]
        rows.append([_e(question), _e(", ".join(_targets(report, question))), *cells, _percent(score(found))])
    body = [
        f"<p>{len(report.results)} mutants in {report.seconds:.0f} s. Score = (killed + timed out + crashed) / "
        "(mutants - equivalent - accepted - not judged).</p>",
        _table(header, rows, numeric=range(2, len(header))),
    ]
    for title, status in LISTS:
        listed = _listed(report, status)
        if listed:
            body.append(f"<h2>{_e(title)}: {len(listed)}</h2>")
            body += [f"<pre>{_e(_entry(r))}</pre>" for r in listed]
    body.append(f"<pre>{_e(chr(10).join(_honest_lines(report)))}</pre>")
    return _page(f"Mutation testing: {report.assignment}", "\n".join(body))
