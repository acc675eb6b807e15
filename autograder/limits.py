"""Every limit of the grader, declared once, with the reason for its value.

Three kinds of limits, one dataclass each:

* :class:`TreeLimits`: what a submission's whole process tree may take from the machine
  (memory, processes, disk, CPU), enforced by the sandbox;
* :class:`TimeLimits`: how long each stage may run (cells, the notebook, probes, the judge);
* :class:`IntakeLimits`: what the grader accepts from a submission and from its kernel
  (bytes, items, messages, models), enforced by the load stage, the wire codec and the judge.

A :class:`Profile` bundles the three. ``LOCAL`` is for an instructor's machine or a Dask
worker, ``GRADESCOPE`` for Gradescope's container (a 30-minute timeout, one submission per
fresh container). Change a limit here and nowhere else; figures quoted in reasons were
measured on the project's 2-core machine (README, "What grading costs").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

KB, MB, GB = 1024, 1024**2, 1024**3


@dataclass(frozen=True)
class TreeLimits:
    """Resources of everything a submission starts: its kernel and every child process."""

    # The whole tree, tmpfs pages included (a control group where the host allows one). The
    # reference kernel peaks at 1.56 GB resident; 2.5 GB fits the 3 GB container the README
    # recommends with 0.5 GB left for the grader.
    tree_memory_bytes: int = int(2.5 * GB)
    # RLIMIT_DATA of each process: TensorFlow breaks under RLIMIT_AS below ~2 GB; RLIMIT_DATA
    # 2.0 GB made the reference fail with MemoryError, 2.5 GB passed.
    process_memory_bytes: int = int(2.5 * GB)
    # TCP socket buffers (cgroup v1 counts them apart from the memory limit): the lesson opens no
    # socket; the kernel's own talk is over Unix sockets, which the memory limit counts.
    tcp_buffer_bytes: int = 64 * MB
    processes: int = 256  # TensorFlow starts ~40 threads; threads count as processes
    cpu_seconds: int = 3600  # CPU time of each process: a backstop behind the wall-clock limits
    file_bytes: int = 256 * MB  # largest file a process may write
    open_files: int = 1024
    # The working and IPC folders, /tmp and /dev/shm together (one size-capped tmpfs where the
    # grader may mount one): the lesson writes nothing but matplotlib's cache; 1 GB leaves room
    # for a student's own checkpoints. Elsewhere the watchdog ends a tree that writes more.
    disk_bytes: int = 1 * GB
    disk_inodes: int = 65_536  # files and folders: the lesson makes a few dozen
    # The folder of the kernel's answers and sockets, on a filesystem of its own: one answer
    # (IntakeLimits.answer_bytes, 128 MB) at a time, twice over.
    ipc_bytes: int = 256 * MB
    ipc_inodes: int = 1024
    # /dev/shm where bubblewrap makes its own tmpfs (an unprivileged grader cannot mount one):
    # joblib and multiprocessing use a little.
    shm_bytes: int = 256 * MB
    cores: int = 2  # TensorFlow's thread pools, and the CPU quota of the tree
    cpu_weight: int = 100  # equal shares between concurrent gradings (cgroup v2 scale; v1 x 10.24)


@dataclass(frozen=True)
class TimeLimits:
    """Wall-clock limits of each stage, in seconds."""

    # A student's cell may run `cell_multiple` times as long as the same cell of the
    # reference solution (timed when the solution is built, and scaled by how much slower the
    # grading machine runs the speed check: engine/speed.py) plus `cell_floor_seconds`;
    # cells without a reference counterpart get `cell_seconds`.
    cell_floor_seconds: float = 60.0
    cell_multiple: float = 3.0
    cell_seconds: float = 600.0  # never more than this for one cell
    notebook_seconds: float = 1800.0  # all cells together
    # The speed check after the preamble, before the student's first cell (a warm-up and five steps
    # of ~0.15 s idle, ~0.6 s at a load average of 10 on 2 cores): past this, every cell gets
    # cell_seconds. Measured once per grading process; counted in the notebook's time.
    speed_check_seconds: float = 30.0
    kernel_start_seconds: float = 120.0  # importing nothing yet: a sandboxed kernel starts in ~1 s
    grader_cell_seconds: float = 30.0  # the grader's own short requests (seed before each cell)
    interrupt_seconds: float = 15.0  # after an interrupt, the kernel must answer within this
    probe_seconds: float = 300.0  # one call of a student function or one fetch
    judge_seconds: float = 900.0  # every probe and every check of one submission together
    cleanup_seconds: float = 10.0  # ending the tree's processes after grading
    # How often the watchdog samples the memory and processes of a tree that no control group
    # bounds (each sample walks /proc): a tree allocating 1 GB/s overshoots by at most this many GB.
    watch_seconds: float = 0.5
    # How often it samples the disk where no capped tmpfs holds the grading's folder (one statvfs,
    # ~2 us, on a thread of its own): a tree writing at tmpfs speed (1.6 GB/s here) overshoots by
    # ~30 MB. At the memory's 0.5 s, a write-past-the-limit-then-delete burst once went unseen.
    disk_watch_seconds: float = 0.02

    def cell_budget(self, reference_seconds: float | None, machine_scale: float = 1.0) -> float:
        """Seconds one student cell may run, from its reference cell's time (None: no reference), scaled to
        this machine's speed: never less than the build's limit, never more than cell_seconds."""
        if reference_seconds is None:
            return self.cell_seconds
        scaled = reference_seconds * max(1.0, machine_scale)
        return min(self.cell_seconds, self.cell_floor_seconds + self.cell_multiple * scaled)

    def worst_case_seconds(self) -> float:
        """An upper bound on one grading: start, speed check, every cell, the judge, cleanup (plus a minute of slack)."""
        stages = (self.kernel_start_seconds, self.speed_check_seconds, self.notebook_seconds, self.judge_seconds)
        return sum(stages) + self.cleanup_seconds + 60.0


@dataclass(frozen=True)
class IntakeLimits:
    """What the grader takes from a submission's files and from its kernel, per grading."""

    notebook_bytes: int = 64 * MB  # a notebook with outputs cleared is well under 1 MB
    zip_members: int = 500  # a student's zip holds the notebook and a few files
    # Objects and lists of a notebook's JSON, counted as its '{' and '[' bytes (strings included) before
    # it is parsed: parsing and validating costs ~0.6 KB of the grader's memory per container (6 MB of
    # '{},' took 1.2 GB), and the lessons' notebooks with outputs hold a few thousand.
    json_containers: int = 200_000
    # The grader reads no cell output at all (execute.py): only replies, through a relay process
    # (link.py) whose sockets take frames of at most message_bytes and queue queued_messages, and
    # whose address space is link_memory_bytes. A kernel's worst (a multipart message of hundreds
    # of frames) ends the relay, never the grader. A reply is a few KB.
    message_bytes: int = 4 * MB
    queued_messages: int = 16
    link_memory_bytes: int = 1 * GB  # the relay needs ~0.2 GB of address space with pyzmq loaded
    kernel_log_bytes: int = 64 * KB  # the kernel's own stderr, kept for the instructor
    # One answer file from the kernel, and every answer of one grading together. The largest
    # honest answer is X_test_norm in float64 (10,000 x 784 x 8 B = 63 MB).
    # Arrays stay in the answer's own buffer, so grading_bytes bounds what the grader holds at once.
    answer_bytes: int = 128 * MB
    grading_bytes: int = 256 * MB
    answer_items: int = 100_000  # list/dict/tuple items in one answer
    grading_items: int = 1_000_000
    depth: int = 16  # nesting of lists, tuples and dicts
    text_chars: int = 200_000  # one string
    int_digits: int = 4_300  # Python's own int-to-str limit
    array_dims: int = 6  # the lessons use at most 4 (images, channels): a shape cannot carry long messages
    meta_bytes: int = 4 * MB  # the JSON tree of one answer (arrays travel beside it)
    layers: int = 64  # a Sequential model
    # Parameters of a rebuilt model, checked from its configuration before anything is
    # allocated; the lessons' largest model has 717,210.
    parameters: int = 20_000_000
    # Multiply-adds per input of a rebuilt model, so that the grader's own predictions on a
    # test set stay within seconds (the lesson's model: 0.72 M).
    macs_per_input: int = 20_000_000
    # The grader's predictions with a rebuilt model run in batches whose activations fit this,
    # whatever batch size a test asks for (a 1x1 convolution to 256 maps: 800 MB per 1000 images).
    prediction_bytes: int = 128 * MB
    message_chars: int = 500  # one check's message as the student reads it
    student_error_chars: int = 500  # a student's own exception text (public checks only)



@dataclass(frozen=True)
class MutationLimits:
    """The mutation run's own limits (``python -m autograder mutants``): one kernel judges hundreds of mutants."""

    # One call of a mutant's function or one fetch: honest calls take well under a second (the
    # slowest, build_deeper_model's model crossing the wall, ~0.3 s); a mutant that loops is
    # stopped here and counted as timed out instead of holding the run for probe_seconds (300 s).
    probe_seconds: float = 20.0
    # All probes of one mutant's checks (each judgement has its own deadline): the slowest honest
    # judgement, q7's with two test-set predictions, takes ~10 s on a loaded machine.
    judge_seconds: float = 120.0
    apply_seconds: float = 30.0  # defining a mutant or restoring the original (model.evaluate takes ~1 s)
    kernel_restarts: int = 2  # a mutant that stops the kernel costs a rerun of the reference (~1 minute)
    battery_variants: int = 4  # random variants of each recorded call in the equivalence battery
    battery_calls: int = 40  # calls of one function in its battery (each is one probe, ~20 ms)


@dataclass(frozen=True)
class Profile:
    name: str
    tree: TreeLimits = field(default_factory=TreeLimits)
    time: TimeLimits = field(default_factory=TimeLimits)
    intake: IntakeLimits = field(default_factory=IntakeLimits)


LOCAL = Profile("local")

# Gradescope kills a grading at its timeout (30 minutes recommended) and leaves the student a
# zero with no feedback: every stage is shorter so that a result is always written in time.
GRADESCOPE_TIMEOUT_SECONDS = 30 * 60
GRADESCOPE = Profile(
    "gradescope",
    time=replace(TimeLimits(), notebook_seconds=780.0, probe_seconds=120.0, judge_seconds=540.0),
)

PROFILES = {p.name: p for p in (LOCAL, GRADESCOPE)}

# The grader's own process with Keras and the test data loaded (~0.5 GB measured).
GRADER_MEMORY_BYTES = GB // 2
# A batch worker grades one submission at a time: the tree's memory plus the grader's own.
WORKER_MEMORY_BYTES = LOCAL.tree.tree_memory_bytes + GRADER_MEMORY_BYTES


@dataclass(frozen=True)
class ClassroomLimits:
    """What the class-level steps (collecting, the Dask cluster, similarity) take on the instructor's machine."""

    archive_members: int = 20_000  # files in one class zip: a class of 1,000 with 20 files each
    archive_bytes: int = 20 * GB  # what one class zip may unpack to
    # Similarity reads at most this much of a submission's code: the lessons' reference solutions
    # have 5-6 KB of code, and tokenizing costs ~16 µs per character here (64 KB: about 1 s).
    similarity_code_chars: int = 64 * KB
    similarity_tokens: int = 20_000  # the reference solution has about 1,500 tokens
    # The whole similarity step runs in a child process with these bounds; past them the report
    # says so and everything else is still written. Reading and fingerprinting one executed
    # reference solution took 0.33 s with the machine's 2 cores overloaded (load 20), ~0.1 s idle.
    similarity_base_seconds: float = 60.0
    similarity_seconds_per_submission: float = 1.0
    similarity_memory_bytes: int = 2 * GB  # a 64 MB notebook loads in ~0.5 GB
    worker_wait_seconds: float = 120.0  # an external cluster must have a worker by then


CLASSROOM = ClassroomLimits()


@dataclass(frozen=True)
class CourseLimits:
    """What the course parses of a submission's code without running it (which assignment it is, which
    reference cells its cells match): larger cells, and code past the total, are not parsed."""

    parsed_cell_chars: int = 20_000  # an answer is never in a cell this large
    parsed_code_chars: int = 200_000  # the lessons hold ~20 KB of code: a huge notebook costs milliseconds


COURSE = CourseLimits()
