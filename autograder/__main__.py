"""Command line: ``python -m autograder --help``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import __version__
from .course.assignments import ASSIGNMENTS, CourseError, get_assignment
from .course.data import QUIET_TENSORFLOW
from .course.paths import LOCK, REPO

for _key, _value in QUIET_TENSORFLOW.items():  # the judge (and each Dask worker) imports Keras
    os.environ.setdefault(_key, _value)

DEFAULT_ACCEPTED = REPO / "benchmarks" / "results" / "mutation_accepted.json"  # mutation/accepted.py documents it
DEFAULT_CORPUS = REPO / "tests" / "corpus"  # mutation/corpus.py documents it
# Commands whose processes import TensorFlow: its start-up lines go to build/<command>.log (native_log.py).
QUIET_COMMANDS = ("build", "demo", "mutants", "build-gradescope")


def selected(args: argparse.Namespace) -> list:
    """The assignments a command applies to: the one named, or all."""
    return list(ASSIGNMENTS.values()) if args.assignment == "all" else [get_assignment(args.assignment)]


def cmd_build(args: argparse.Namespace) -> int:
    from .course.assignments import COURSE
    from .course.build import build
    from .release.requirements import RequirementsError
    from .release.student_files import write_student_files

    for assignment in selected(args):
        print(f"building {assignment.name} from {assignment.master.name} ...", flush=True)
        build(assignment, execute=not args.no_execute)
        print(f"  {assignment.student_dir}/, {assignment.hidden_tests}/, {assignment.solution.name} regenerated")
    try:  # the student tree's own files depend on every assignment's notebook
        written = write_student_files(COURSE, LOCK)
    except RequirementsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"  {COURSE.students}/: {', '.join(str(p.relative_to(COURSE.students)) for p in written)} regenerated")
    return 0


def cmd_check_generated(args: argparse.Namespace) -> int:
    from .course.assignments import COURSE
    from .course.build import stale_files
    from .release.requirements import RequirementsError
    from .release.student_files import stale_student_files

    stale = [path for assignment in selected(args) for path in stale_files(assignment)]
    try:
        stale += stale_student_files(COURSE, LOCK)
    except RequirementsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in stale:
        print(f"stale: {path}")
    print("generated files are current" if not stale else "run `python -m autograder build` and commit the result")
    return 1 if stale else 0


def cmd_fetch_data(args: argparse.Namespace) -> int:
    from .course.data import data_module

    nn_data = data_module()
    failed = 0
    unknown = sorted(set(args.dataset or ()) - set(nn_data.DATASETS))
    if unknown:
        print(f"error: unknown dataset(s) {', '.join(unknown)}; known: {', '.join(nn_data.DATASETS)}", file=sys.stderr)
        return 2
    names = args.dataset or list(nn_data.DATASETS)
    for name, dataset in ((n, nn_data.DATASETS[n]) for n in names):
        try:
            _, path = dataset.local_arrays(allow_download=not args.offline)
        except nn_data.DataError as error:
            print(f"error: {name}: {error}", file=sys.stderr)
            failed += 1
            continue
        print(f"{name} verified: {path}")
    return 1 if failed else 0


def print_score_table(rows: list[tuple[str, dict]]) -> None:
    """One line per notebook, one column per question."""
    questions = sorted({q for _, scores in rows for q in scores}, key=lambda q: (len(q), q))
    header = f"{'notebook':<34}" + "".join(f"{q:>7}" for q in questions) + f"{'total':>12}"
    print(header)
    print("-" * len(header))
    for name, scores in rows:
        cells = "".join(f"{scores[q].score:>7.2f}" if q in scores else f"{'-':>7}" for q in questions)
        total = sum(s.score for s in scores.values())
        possible = sum(s.max_score for s in scores.values())
        print(f"{name:<34}{cells}{total:>6.2f}/{possible:<5.2f}")


def _identified(notebook: Path):
    """The assignment a notebook on disk belongs to, or None."""
    import nbformat

    from .course.identify import identify

    try:
        return identify(nbformat.read(notebook, as_version=4), notebook.name, ASSIGNMENTS.values())
    except (OSError, ValueError):
        return None


def cmd_otter_grade(args: argparse.Namespace) -> int:
    from .classroom.otter_baseline import otter_scores

    notebooks = [Path(n) for n in args.notebooks]
    chosen = {n: get_assignment(args.assignment) if args.assignment else _identified(n) for n in notebooks}
    unknown = [str(n) for n, a in chosen.items() if a is None]
    if unknown:
        print(f"error: cannot tell which assignment {', '.join(unknown)} belong(s) to: use --assignment", file=sys.stderr)
        return 2
    rows = []
    for notebook, assignment in chosen.items():
        start = time.perf_counter()
        rows.append((notebook.name, otter_scores(notebook, assignment.otter_zip)))
        print(f"graded {notebook} in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    print_score_table(rows)
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    """Grade submissions with the sandboxed engine (on Dask, or in this process for one). Exit 0 when every
    submission got a verdict (a student's broken notebook is one); 1 when some could not be graded because of
    the grader or the cluster; 2 when the inputs cannot be read; 130 when interrupted."""
    import tempfile

    from .classroom.batch import BatchSettings, grade_batch
    from .classroom.collect import GRADER_LOG, CollectError, collect, looks_like_export
    from .classroom.outputs import write_class_outputs
    from .native_log import send_native_output_to

    timings = {"started": time.time()}  # benchmarks/one_notebook_grade.py reads these (--timings)
    assignment = get_assignment(args.assignment) if args.assignment else None
    for needed in [assignment] if assignment else ASSIGNMENTS.values():  # identifying compares with every one
        needed.require_built()
    settings = BatchSettings(
        assignment, args.out, args.workers, args.scheduler, not args.allow_no_sandbox, not args.no_similarity, args.force,
    )
    names = [assignment.notebook_name] if assignment else [a.notebook_name for a in ASSIGNMENTS.values()]
    for path in args.submissions:
        if looks_like_export(path):
            print(f"note: {path} looks like a Gradescope export: its names, SIDs and emails are used only when it is "
                  "passed with --gradescope-export", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="autograder-collect-") as staging:
        try:
            submissions = collect(args.submissions, names, Path(staging), args.gradescope_export)
        except CollectError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        if not submissions:
            print("error: no notebooks (.ipynb) or zips found in the given paths", file=sys.stderr)
            return 2
        try:
            send_native_output_to(args.out / GRADER_LOG)  # TensorFlow's and Dask's own lines (see native_log)
        except OSError as error:
            print(f"error: cannot write to {args.out}: {error}", file=sys.stderr)
            return 2
        timings["collect"] = time.time() - timings["started"]
        outcome = grade_batch(submissions, settings)
        mark = time.time()
        try:
            outputs = write_class_outputs(submissions, outcome.manifests, settings, outcome.changes)
        except OSError as error:  # e.g. a full disk: every submission's own result is already written
            print(f"error: the class outputs could not be written: {error}", file=sys.stderr)
            return 1
        timings["class outputs"] = time.time() - mark
    status = _grade_summary(submissions, outcome, outputs, args.out)
    if args.timings:
        _write_timings(args.timings, timings, outcome, outputs)
    return status


def _write_timings(path: Path, timings: dict, outcome, outputs) -> None:
    """Where the command spent its time, for benchmarks/one_notebook_grade.py."""
    import json

    engine = {i: m.get("seconds", 0.0) for i, m in outcome.manifests.items() if i in outcome.graded}
    phases = {**{k: v for k, v in timings.items() if k != "started"}, **outcome.timings, **outputs.timings}
    record = {"started": timings["started"], "finished": time.time(), "phases": phases, "engine": engine}
    path.write_text(json.dumps(record, indent=2) + "\n")


def _grade_summary(submissions: list, outcome, outputs, out: Path) -> int:
    """Print each submission's verdict and what was written; the exit status of `grade`."""
    for sub in submissions:
        manifest = outcome.manifests.get(sub.id)
        if manifest:
            graded_as = f" as {manifest['assignment']}" if manifest.get("assignment") else ""
            print(f"{sub.id}: {manifest['score']:g}/{manifest['max_score']:g} ({manifest['status']}{graded_as})")
    for note in outputs.notes:
        print(f"note: {note}", file=sys.stderr)
    if outcome.changes:
        from .classroom.regrade import summary_line

        kept = sorted({str(out / Path(c.archived).parent) for c in outcome.changes})
        print(f"regraded: {summary_line(outcome.changes)}; the earlier results are kept in {', '.join(kept)}",
              file=sys.stderr)
    print(
        f"graded {len(outcome.graded)}, already graded {len(outcome.skipped)}, "
        f"not graded {len(submissions) - len(outcome.manifests)} in {outcome.seconds:.0f} s; "
        + ", ".join(str(p) for p in outputs.paths.values()),
        file=sys.stderr,
    )
    if outcome.interrupted:
        print("interrupted: run the same command again to grade the rest", file=sys.stderr)
        return 130
    if outcome.cluster_error:
        print(f"error: {outcome.cluster_error}", file=sys.stderr)
    failures = outcome.grader_failures()
    if failures:
        shown = "; ".join(f"{i} ({why})" for i, why in list(failures.items())[:10])
        more = f"; and {len(failures) - 10} more" if len(failures) > 10 else ""
        print(f"error: {len(failures)} submission(s) could not be graded because of the grader or the cluster: "
              f"{shown}{more}. Their students have no real grade yet: fix the cause (see above; for grader-error and "
              "no-sandbox, each one's instructor_notes.txt) and run the same command again: only these are graded "
              "again.", file=sys.stderr)
        return 1
    return 0


def cmd_links(args: argparse.Namespace) -> int:
    from .release.links import LinkError, course_links, render

    notebooks = [f"{a.name}/{a.notebook_name}" for a in ASSIGNMENTS.values()]
    try:
        links = course_links(args.repo, args.branch, notebooks, args.hub)
    except LinkError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(render(links))
    return 0


def cmd_lms(args: argparse.Namespace) -> int:
    """Canvas's gradebook import file from its own export (the template) and a grades.csv; who did not match."""
    from .classroom.lms import LmsError, read_canvas_export, read_grades_csv, student_label, write_canvas_import

    try:
        export = read_canvas_export(args.template)
        written = write_canvas_import(export, read_grades_csv(args.grades), args.column, args.out, args.scale)
    except LmsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    matching = written.matching
    scaled = f", scaled from the grader's points by {written.scale:.4g}" if written.scale != 1.0 else ""
    what = "a new assignment Canvas creates on import" if written.new_assignment else "an assignment of the export"
    print(f"{args.out}: {len(matching.scores)} score(s) in {written.column!r} ({what}, {written.points:g} points{scaled}); "
          f"import it in Canvas: Grades > Import")
    lists = [
        ("student(s) of the export have no submission (left blank: Canvas keeps what it has)",
         [student_label(export.students[i]) for i in matching.no_submission]),
        ("student(s) have a submission that is not graded yet (left blank)",
         [f"{student_label(export.students[i])}: {row.submission} ({row.status})" for i, row in matching.not_graded]),
        ("graded submission(s) match no student of the export (by SID or email against SIS User ID or SIS Login ID)",
         [f"{row.submission} ({', '.join(x for x in (row.name, row.sid, row.email) if x) or 'no identity'})"
          for row in matching.unmatched]),
        ("match(es) left out because they are not one to one", matching.conflicts),
    ]
    for title, names in lists:
        if names:
            print(f"{len(names)} {title}:")
            print("".join(f"  {name}\n" for name in names), end="")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from .classroom.cluster import run_worker

    return run_worker(args.dask_args)


def _worker_arguments(argv: list[str] | None) -> list[str] | None:
    """The arguments after `worker`, which all belong to `dask worker` (its --help included)."""
    argv = sys.argv[1:] if argv is None else argv
    return argv[1:] if argv[:1] == ["worker"] else None


def cmd_build_gradescope(args: argparse.Namespace) -> int:
    from .gradescope.package import build_gradescope_zip

    assignment = get_assignment(args.assignment)
    target = args.out or Path(f"{assignment.name}-gradescope-autograder.zip")
    build_gradescope_zip(assignment, target)
    print(f"{target}: upload it as the autograder of {assignment.name} (settings: see README, 'Gradescope')")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from .release.tree import ReleaseError, release

    try:
        lines = release(args.out, args.url, args.with_data)
    except ReleaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


def cmd_gradescope_run(args: argparse.Namespace) -> int:
    from .gradescope.container import run_in_container

    results = run_in_container(get_assignment(args.assignment), args.root)
    print(f"wrote {results}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Build every assignment in a temporary copy of the course (the repository stays as it is), then grade
    each one's reference solution and blank notebook."""
    import tempfile

    from .classroom.otter_baseline import QuestionScore
    from .course.assignments import COURSE
    from .course.build import build, copy_sources
    from .engine import GradingOptions, Status, grade_submission

    rows, problems = [], []
    with tempfile.TemporaryDirectory(prefix="autograder-demo-") as scratch:
        course = copy_sources(COURSE, Path(scratch) / "course")
        for assignment in course.assignments().values():
            print(f"building {assignment.name} from its master notebook (in a temporary folder) ...", flush=True)
            build(assignment, execute=True)
            options = GradingOptions(assignment.task())
            for label, notebook in (("reference", assignment.solution), ("blank", assignment.student_notebook)):
                print(f"grading the {label} {assignment.name} notebook in the sandboxed engine ...", flush=True)
                result = grade_submission(notebook, Path(scratch) / "results" / assignment.name, options)
                scores = {q: QuestionScore(q, got, possible) for q, (got, possible) in result.question_scores().items()}
                rows.append((f"{assignment.name} {label} ({result.seconds:.0f} s)", scores))
                if result.status is not Status.GRADED or (label == "reference" and result.score < result.max_score):
                    why = next((line for note in result.instructor_notes for line in note.splitlines()[-1:]), "")
                    problems.append(f"{assignment.name} {label}: {result.status.value}, {result.score:g}/{result.max_score:g}"
                                    f"{f': {why[:300]}' if why else ''} (the grader's own output: build/demo.log)")
    print()
    print_score_table(rows)
    for problem in problems:  # a demo that shows zeros must also say why
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


def cmd_mutants(args: argparse.Namespace) -> int:
    """Mutation-test an assignment's checks: a table (or JSON) on stdout, progress on stderr."""
    import json

    from .atomic import write_atomically
    from .mutation.accepted import AcceptedListError
    from .mutation.corpus import entries
    from .mutation.kernel import ReferenceFailed
    from .mutation.render import as_json, html, table
    from .mutation.run import run_mutation

    assignment = get_assignment(args.assignment)
    assignment.require_built()
    unknown = sorted(set(args.question or ()) - set(assignment_questions(assignment)))
    if unknown:
        print(f"error: {assignment.name} has no question {', '.join(unknown)}", file=sys.stderr)
        return 2
    try:
        honest = entries(args.corpus, assignment.name, "correct")
        report = run_mutation(
            assignment, args.question, args.max_mutants, args.notebook, args.accepted, show_progress=not args.quiet,
            honest=honest,
        )
    except (ReferenceFailed, AcceptedListError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    text, data = table(report), json.dumps(as_json(report), indent=2)
    print(data if args.json else text)
    if args.save:
        write_atomically(Path(f"{args.save}.txt"), text)
        write_atomically(Path(f"{args.save}.json"), data + "\n")
    if args.html:
        write_atomically(args.html, html(report))
    return 0


def assignment_questions(assignment) -> list[str]:
    return [path.stem for path in assignment.hidden_tests.glob("q*.py")]


def add_assignment_option(command: argparse.ArgumentParser) -> None:
    """--assignment for a command about one assignment: required, unless the course has only one."""
    names = list(ASSIGNMENTS)
    if len(names) == 1:
        command.add_argument("--assignment", choices=names, default=names[0], help="default: %(default)s, the only one")
    else:
        command.add_argument("--assignment", choices=names, required=True, help="which assignment")


def main(argv: list[str] | None = None) -> int:
    dask_args = _worker_arguments(argv)
    if dask_args is not None:  # argparse would take dask's options for its own
        return cmd_worker(argparse.Namespace(dask_args=dask_args))
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description=f"Build and grade the course's notebook assignments ({', '.join(ASSIGNMENTS) or 'none found'}).",
    )
    names = [*ASSIGNMENTS, "all"]
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="regenerate the student notebook, tests and reference solution")
    build.add_argument("--no-execute", action="store_true", help="skip executing the reference solution")
    build.add_argument("--assignment", choices=names, default="all", help="which assignment (default: all)")
    build.set_defaults(func=cmd_build)

    check = commands.add_parser("check-generated", help="exit 1 if generated files differ from the master")
    check.add_argument("--assignment", choices=names, default="all", help="which assignment (default: all)")
    check.set_defaults(func=cmd_check_generated)

    fetch = commands.add_parser("fetch-data", help="obtain and verify every dataset in data/ (MNIST, Fashion-MNIST)")
    fetch.add_argument("--dataset", action="append", help="only this dataset (repeatable; default: all)")
    fetch.add_argument("--offline", action="store_true", help="only verify or convert local files; download nothing")
    fetch.set_defaults(func=cmd_fetch_data)

    otter = commands.add_parser("otter-grade", help="grade notebooks with stock `otter run` (baseline)")
    otter.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    otter.add_argument("--assignment", choices=list(ASSIGNMENTS), help="default: identified from each notebook")
    otter.set_defaults(func=cmd_otter_grade)

    grade = commands.add_parser(
        "grade", help="grade submissions in the sandboxed engine, in parallel on Dask",
        description="Grade notebooks, student zips, folders or zips of them, and Gradescope 'Export Submissions' "
        "downloads (with --gradescope-export). Writes DIR/<submission>/results.json, feedback.md and feedback.txt, "
        "and per assignment DIR/grades.csv and DIR/report.html (grades-<assignment>.csv, ... when the submissions "
        "are of several assignments). A rerun skips submissions already graded with the same content and grader "
        "version; a submission graded again keeps its earlier results in DIR/previous/ and DIR/changes.csv says "
        "what changed. One submission to grade is graded in this process, more on Dask workers. TensorFlow's and "
        "the workers' own output goes to DIR/grader.log. Exit status 1 when some submissions could not be graded "
        "because of the grader or the cluster.",
    )
    grade.add_argument("submissions", nargs="*", type=Path, metavar="PATH", help="notebook, zip, or folder of them")
    grade.add_argument(
        "--gradescope-export", action="append", type=Path, default=[], metavar="PATH",
        help="a Gradescope 'Export Submissions' zip or folder; the only source of students' names, SIDs and emails "
        "(repeatable)",
    )
    grade.add_argument("--out", type=Path, required=True, metavar="DIR", help="where results go: DIR/<name>/results.json")
    grade.add_argument(
        "--assignment", choices=list(ASSIGNMENTS),
        help="grade every submission as this assignment (another assignment's notebook is refused); "
        "default: identify each submission's assignment",
    )
    grade.add_argument(
        "--workers", type=int, default=0, metavar="N", help="local grading workers (default: one per core, 3 GB of memory each)"
    )
    grade.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="use an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (start its workers with `python -m autograder worker`)",
    )
    grade.add_argument("--force", action="store_true", help="regrade submissions that are already graded")
    grade.add_argument("--no-similarity", action="store_true", help="skip the code-similarity report")
    grade.add_argument("--timings", type=Path, help=argparse.SUPPRESS)  # JSON of where the time went (benchmarks)
    grade.add_argument(
        "--allow-no-sandbox", action="store_true",
        help="where bubblewrap is missing, run student code with resource limits only (unsafe)",
    )
    grade.set_defaults(func=cmd_grade)

    worker = commands.add_parser(
        "worker", add_help=False, help="run a Dask worker that can grade (`dask worker` arguments, e.g. tcp://HOST:8786)",
        description="`dask worker ARGS` with this repository importable and one thread per worker process",
    )
    worker.add_argument("dask_args", nargs=argparse.REMAINDER, metavar="ARGS")
    worker.set_defaults(func=cmd_worker)

    zipped = commands.add_parser("build-gradescope", help="build the autograder zip to upload to Gradescope")
    add_assignment_option(zipped)
    zipped.add_argument("--out", type=Path, metavar="ZIP", help="default: <assignment>-gradescope-autograder.zip")
    zipped.set_defaults(func=cmd_build_gradescope)

    publish = commands.add_parser(
        "release",
        help="copy the student tree (assignment/) to a folder ready to publish; --url for Colab, --with-data for the datasets",
        description="Write the student-only release: every assignment's notebook, data helper and public tests, and the "
        "student files at the top of assignment/. A non-empty folder is refused unless it holds a previous release, "
        "which is replaced whole (its .git kept).",
    )
    publish.add_argument("--out", type=Path, required=True, help="the folder to write (new, empty, or a previous release)")
    publish.add_argument(
        "--url",
        help="where the folder will be published, served as laid out on disk "
        "(e.g. https://raw.githubusercontent.com/ORG/REPO/main/): written into each notebook as COURSE_URL, "
        "from which the notebooks download their files on Colab",
    )
    publish.add_argument("--with-data", action="store_true", help="add the verified datasets in data/ (about 40 MB)")
    publish.set_defaults(func=cmd_release)

    run = commands.add_parser("gradescope-run", help="inside Gradescope's container: grade the submission (run_autograder)")
    add_assignment_option(run)
    run.add_argument("--root", type=Path, default=Path("/autograder"), help="Gradescope's folder (default: %(default)s)")
    run.set_defaults(func=cmd_gradescope_run)

    mutants = commands.add_parser(
        "mutants", help="mutation testing: how many wrong answers do the hidden tests let through?",
        description="Make small wrong versions (mutants) of every function and value of the master's solution and "
        "grade each with the same judge that grades students, in one kernel that ran the reference once. "
        "Prints, per question, how many mutants the checks kill, and every survivor as a diff.",
    )
    mutants.add_argument("--assignment", choices=list(ASSIGNMENTS), required=True)
    mutants.add_argument("--question", action="append", metavar="QN", help="only this question (repeatable)")
    mutants.add_argument("--max-mutants", type=int, metavar="N", help="at most N mutants per question, spread evenly")
    mutants.add_argument("--json", action="store_true", help="print the table as one JSON object")
    mutants.add_argument("--html", type=Path, metavar="FILE", help="also write the table and survivors as an HTML page")
    mutants.add_argument(
        "--save", metavar="PREFIX",
        help="also write PREFIX.txt (the table) and PREFIX.json (with each question's digest, which the tests compare)",
    )
    mutants.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, metavar="DIR",
        help="honest styles in DIR/<assignment>/correct/ are judged too and make the equivalence battery aware of them "
        "(default: %(default)s)",
    )
    mutants.add_argument(
        "--accepted", type=Path, default=DEFAULT_ACCEPTED, metavar="FILE",
        help="survivors judged correct answers, with reasons (default: %(default)s; see README)",
    )
    mutants.add_argument("--notebook", type=Path, help=argparse.SUPPRESS)  # another reference (tests: a light notebook)
    mutants.add_argument("--quiet", action="store_true", help="no progress bar")
    mutants.set_defaults(func=cmd_mutants)


    links = commands.add_parser(
        "links", help="print the nbgitpuller, Binder and Open-in-Colab links of the published student tree",
        description="Print the links to hand a class for the student tree published as a git repository (a release, "
        "see README 'Distributing to students'): the nbgitpuller link of each notebook for your JupyterHub (with "
        "--hub), the Binder links, and each notebook's Open-in-Colab link (GitHub only).",
    )
    links.add_argument("--repo", required=True, metavar="URL", help="the student repository, e.g. https://github.com/OWNER/NAME")
    links.add_argument("--branch", default="main", help="its branch (default: %(default)s)")
    links.add_argument("--hub", metavar="URL", help="your JupyterHub's address, e.g. https://hub.example.edu")
    links.set_defaults(func=cmd_links)

    lms = commands.add_parser(
        "lms", help="write the file Canvas's gradebook imports, from its own export and grades.csv",
        description="Read a Canvas gradebook export (Grades > Export > Export Entire Gradebook) as the template and "
        "the grades.csv of one assignment, and write the CSV Canvas's gradebook import reads (Grades > Import): the "
        "export's students as they are, its Points Possible row, and one assignment column with each student's "
        "total. A submission's SID or email must equal a student's SIS User ID or SIS Login ID; students without a "
        "graded submission and submissions matching no student are listed, and their cells left blank.",
    )
    lms.add_argument("--template", type=Path, required=True, metavar="CSV", help="the Canvas gradebook export")
    lms.add_argument("--grades", type=Path, required=True, metavar="CSV", help="the grades.csv written by `grade`")
    lms.add_argument(
        "--column", required=True, metavar="NAME",
        help="the assignment column: as the export names it ('MNIST lesson (12345)') or its title; a title the export "
        "does not have becomes a new assignment in Canvas",
    )
    lms.add_argument("--out", type=Path, required=True, metavar="CSV", help="the file to import into Canvas")
    lms.add_argument("--scale", action="store_true",
                     help="convert scores to the column's points in Canvas when they differ from the grader's maximum")
    lms.set_defaults(func=cmd_lms)

    demo = commands.add_parser(
        "demo", help="build each assignment in a temporary folder, then grade its reference and blank notebook"
    )
    demo.set_defaults(func=cmd_demo)

    args = parser.parse_args(argv)
    if args.command in QUIET_COMMANDS:  # grade sends them to DIR/grader.log once its inputs are read
        from .course.assignments import COURSE
        from .native_log import send_native_output_to

        send_native_output_to(COURSE.build / f"{args.command}.log")
    try:
        return args.func(args)
    except CourseError as error:  # an instructor's mistake (a master, a build, the course's files): the fix, no traceback
        print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2


def exit_now(status: int) -> None:
    """Exit with status; with TensorFlow loaded (the judge ran in this process), skip the interpreter's teardown of
    its modules, which takes seconds (5 s measured on a loaded machine) and frees nothing the system does not.
    Threads are joined, exit handlers run and output is flushed as in a normal exit."""
    if "tensorflow" not in sys.modules:
        sys.exit(status)
    import atexit
    import threading

    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    exit_now(main())
