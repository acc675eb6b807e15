"""Code similarity between submissions: pairs whose own code (beyond the starter notebook) is suspiciously alike.

Method, in the spirit of MOSS-style fingerprinting but kept simple:

1. Tokenize each submission (Python's tokenize; a regex tokenizer when the code does not tokenize) and
   drop comments, blank lines and indentation, so reformatting and added comments change nothing.
2. Normalize: student-chosen identifiers become placeholders numbered by first use inside each window
   (so a consistent rename gives the same windows, but `a = a + b` still differs from `a = b + c`);
   numbers become NUM and strings STR. Kept as written: Python keywords and builtins (`range`, `len`),
   attribute names (`.reshape`, `.fit`, `.Dense`) and keyword-argument names (`activation=`, `epochs=`),
   because the libraries dictate those names, a renaming tool cannot change them without breaking the code,
   and they are what tells one approach from another once the variables are gone.
3. Remove the starter code: every logical line whose normalized form is also in the template, then every
   shingle that also occurs in the template. Dropping lines first matters: a one-line answer between two
   starter lines would otherwise create K-1 extra shingles straddling starter code and look substantial.
4. Shingles are windows of K consecutive tokens, hashed to 64-bit ints (stable across runs, unlike hash()).
   Shingles found in many submissions are the assignment's natural answer, not evidence, and are dropped too.
5. Score a pair by containment: |A & B| / min(|A|, |B|). Unlike Jaccard it is not diluted when a copier
   pads the copy with extra cells, or copies only part of a longer solution. Its weakness, tiny answers
   contained in big ones, is why submissions with fewer than MIN_SHINGLES own shingles are skipped.

What is read is bounded, since a submission is untrusted: cells whose ``%%`` magic makes their body
something other than Python are skipped (the kernel never ran it as Python), and at most
``CLASSROOM.similarity_code_chars`` of each submission's code, and ``similarity_tokens`` of its tokens,
are compared. The batch runs ``similar_submissions`` in a child process bounded in time and memory
(``bounded.run_bounded``).
"""

from __future__ import annotations

import builtins
import csv
import hashlib
import io
import keyword
import re
import tokenize
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..atomic import write_atomically
from ..engine.load import SubmissionError, load_submission
from ..limits import CLASSROOM

# About one statement of this assignment's code (`x = images.reshape(len(images), -1)` is 13 tokens): shorter
# windows match idioms every student writes (`model.add(layers.Dense(`); longer ones break on every small edit.
K = 10
MIN_SHINGLES = 20  # fewer own shingles than this: a tiny answer, similar to others by necessity
COMMON_MIN = 10  # a shingle shared by more than max(COMMON_MIN, COMMON_FRACTION * class size) submissions
COMMON_FRACTION = 0.2  # ...is the assignment's common answer; below that it can still be a copying ring
SHARED_LINES = 5
SHARED_LINE_MIN_TOKENS = 5  # `x = y` is shared by everyone; not worth showing
SHARED_LINE_CHARS = 160

# Cell magics whose body is Python, so still the student's code (any other %% cell is skipped).
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}

_KEEP = set(keyword.kwlist) | set(dir(builtins))
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)  # Python >= 3.12 splits f-strings into parts
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)
_KINDS = {tokenize.NAME: "name", tokenize.NUMBER: "num", tokenize.STRING: "str", tokenize.NEWLINE: "newline"}
_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}

_TOKEN_RE = re.compile(
    r"""
     (?P<comment>\#[^\n]*)
    |(?P<str>[rRbBuUfF]{0,2}(?:'''[\s\S]*?(?:'''|\Z)|\"\"\"[\s\S]*?(?:\"\"\"|\Z)|'(?:\\.|[^'\\\n])*'?|"(?:\\.|[^"\\\n])*"?))
    |(?P<num>0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?)
    |(?P<name>[^\W\d]\w*)
    |(?P<cont>\\\r?\n)
    |(?P<newline>\r?\n)
    |(?P<space>[ \t\f\r]+)
    |(?P<op>\*\*=?|//=?|>>=?|<<=?|->|:=|\.\.\.|[-+*/%&|^@=!<>]=|.)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class SimilarPair:
    first: str
    second: str
    score: float
    shared_lines: list[str]  # a few of the longest shared statements, as written in `first`


@dataclass(frozen=True)
class _Raw:
    kind: str  # name, num, str, op, newline
    text: str
    start: int  # character offsets into the code, to quote the original statement
    end: int


@dataclass(frozen=True)
class _Statement:
    tokens: tuple[tuple[str, bool], ...]  # (normalized text, is a student-chosen identifier)
    key: str
    text: str  # the original source, whitespace collapsed


@dataclass
class _Prepared:
    shingles: set[int]
    statements: dict[str, _Statement]  # own statements (not in the template) by key, first occurrence


def code_of(notebook: nbformat.NotebookNode, max_chars: int | None = None) -> str:
    """All Python code cells joined, without IPython magics and shell escapes (lines starting with % or !).

    Cells under a ``%%`` magic other than PYTHON_CELL_MAGICS are left out. With max_chars, cells are
    taken in order until that many characters (a cell that would pass the cap is cut at a line end).
    """
    cells, used = [], 0
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if _foreign_cell(source):
            continue
        text = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        if max_chars is not None and used + len(text) > max_chars:
            cells.append(text[: max(0, text.rfind("\n", 0, max_chars - used))])
            break
        cells.append(text)
        used += len(text) + 2
    return "\n\n".join(cells) + "\n"


def _foreign_cell(source: str) -> bool:
    """A cell whose %% magic runs its body as something other than Python (bash, html, writefile, ...)."""
    first = source.lstrip().split("\n", 1)[0]
    if not first.startswith("%%"):
        return False
    name = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
    return name not in PYTHON_CELL_MAGICS


# ----- tokens ----------------------------------------------------------------------------------------------


def _raw_tokens(code: str) -> list[_Raw]:
    try:
        return _python_tokens(code)
    except (tokenize.TokenError, SyntaxError, ValueError):  # unterminated strings, bad dedents: never raise
        return _regex_tokens(code)


def _python_tokens(code: str) -> list[_Raw]:
    line_starts = [0] + [m.end() for m in re.finditer("\n", code)]

    def offset(row: int, col: int) -> int:
        return line_starts[row - 1] + col if row - 1 < len(line_starts) else len(code)

    out: list[_Raw] = []
    fstring_depth = 0
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        start, end = offset(*tok.start), offset(*tok.end)
        if tok.type == _FSTRING_START:
            fstring_depth += 1
            if fstring_depth == 1:
                out.append(_Raw("str", "", start, end))
        elif fstring_depth:  # the inside of an f-string is one STR, as tokenize reports it before 3.12
            fstring_depth -= tok.type == _FSTRING_END
            out[-1] = _Raw("str", "", out[-1].start, end)
        elif tok.type in _SKIPPED or (tok.type == tokenize.ERRORTOKEN and tok.string.isspace()):
            continue
        else:
            out.append(_Raw(_KINDS.get(tok.type, "op"), tok.string, start, end))
    return out



def _regex_tokens(code: str) -> list[_Raw]:
    """Same token kinds as _python_tokens for ordinary code, and never fails."""
    out: list[_Raw] = []
    depth = 0  # newlines inside brackets do not end a statement
    for match in _TOKEN_RE.finditer(code):
        kind, text = match.lastgroup, match.group()
        if kind in ("comment", "cont", "space") or (kind == "newline" and depth):
            continue
        if kind == "op":
            depth = max(0, depth + (text in "([{") - (text in ")]}"))
        out.append(_Raw(kind, text, match.start(), match.end()))
    return out


def _normalize(raw: list[_Raw]) -> tuple[tuple[str, bool], ...]:
    """One statement's tokens, normalized (see the module docstring for what is kept)."""
    out = []
    brackets: list[str] = []  # "def" for a parameter list, where names are the student's own
    for i, token in enumerate(raw):
        before = raw[i - 1].text if i else ""
        after = raw[i + 1].text if i + 1 < len(raw) else ""
        if token.kind in ("num", "str"):
            out.append((token.kind.upper(), False))
        elif token.kind != "name":
            if token.text in ("(", "[", "{"):
                brackets.append("def" if token.text == "(" and i >= 2 and raw[i - 2].text == "def" else token.text)
            elif token.text in (")", "]", "}") and brackets:
                brackets.pop()
            out.append((token.text, False))
        elif token.text in _KEEP or before == "." or (after == "=" and brackets[-1:] == ["("]):
            out.append((token.text, False))
        else:
            out.append((token.text, True))
    return tuple(out)


def _key(tokens: tuple[tuple[str, bool], ...] | list[tuple[str, bool]]) -> str:
    """Identifiers numbered by first use within these tokens: invariant under any consistent renaming."""
    seen: dict[str, str] = {}
    return "\x1f".join(seen.setdefault(text, f"V{len(seen)}") if is_name else text for text, is_name in tokens)


def _statements(code: str, max_tokens: int | None = None) -> list[_Statement]:
    statements, current = [], []
    for token in [*_raw_tokens(code)[:max_tokens], _Raw("newline", "", len(code), len(code))]:
        if token.kind != "newline":
            current.append(token)
            continue
        tokens = _normalize(current)
        if tokens and tokens != (("STR", False),):  # a lone string is a docstring or comment in disguise
            text = " ".join(code[current[0].start:current[-1].end].split())
            statements.append(_Statement(tokens, _key(tokens), text))
        current = []
    return statements


def _shingles(tokens: list[tuple[str, bool]]) -> set[int]:
    hashes = set()
    for i in range(len(tokens) - K + 1):
        digest = hashlib.blake2b(_key(tokens[i:i + K]).encode("utf-8", "surrogatepass"), digest_size=8).digest()
        hashes.add(int.from_bytes(digest, "big"))
    return hashes


# ----- pairs -----------------------------------------------------------------------------------------------


def _prepare(code: str, template_keys: set[str], template_shingles: set[int]) -> _Prepared:
    own = [s for s in _statements(code, CLASSROOM.similarity_tokens) if s.key not in template_keys]
    stream = [token for statement in own for token in statement.tokens]
    statements: dict[str, _Statement] = {}
    for statement in own:
        statements.setdefault(statement.key, statement)
    return _Prepared(_shingles(stream) - template_shingles, statements)


def _drop_common(prepared: dict[str, _Prepared]) -> None:
    limit = max(COMMON_MIN, COMMON_FRACTION * len(prepared))
    counts = Counter(h for p in prepared.values() for h in p.shingles)
    common = {h for h, count in counts.items() if count > limit}
    for p in prepared.values():
        p.shingles -= common


def _shared_lines(a: _Prepared, b: _Prepared) -> list[str]:
    order = {key: i for i, key in enumerate(a.statements)}
    shared = [key for key in a.statements if key in b.statements and len(a.statements[key].tokens) >= SHARED_LINE_MIN_TOKENS]
    longest = sorted(shared, key=lambda key: (-len(a.statements[key].tokens), order[key]))[:SHARED_LINES]
    return [a.statements[key].text[:SHARED_LINE_CHARS] for key in sorted(longest, key=order.__getitem__)]


def similar_pairs(codes: dict[str, str], template: str = "", threshold: float = 0.6, top: int = 50) -> list[SimilarPair]:
    """Pairs of submissions (by id in `codes`) scoring at least threshold, most similar first, at most `top`.

    template is the starter code every student received (e.g. code_of(the student notebook)).
    """
    template_statements = _statements(template)
    template_keys = {s.key for s in template_statements}
    template_shingles = _shingles([t for s in template_statements for t in s.tokens])
    prepared = {name: _prepare(code, template_keys, template_shingles) for name, code in codes.items()}
    _drop_common(prepared)
    names = sorted(name for name, p in prepared.items() if len(p.shingles) >= MIN_SHINGLES)
    scored = []
    for i, first in enumerate(names):
        a = prepared[first].shingles
        for second in names[i + 1:]:
            b = prepared[second].shingles
            score = len(a & b) / min(len(a), len(b))
            if score >= threshold:
                scored.append((round(score, 6), first, second))  # rounded: float noise never reorders ties
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))
    return [SimilarPair(first, second, score, _shared_lines(prepared[first], prepared[second]))
            for score, first, second in scored[:top]]


def similar_submissions(files: dict[str, Path], template: Path, notebook_name: str) -> list[SimilarPair]:
    """Similar pairs among submitted files (id -> path); unreadable ones are left out.

    Each file is loaded as the grader loads it and read up to CLASSROOM's caps; run it through
    bounded.run_bounded, since the files are untrusted.
    """
    codes = {}
    for submission, path in files.items():
        try:
            notebook = load_submission(path, notebook_name).notebook
        except SubmissionError:
            continue
        codes[submission] = code_of(notebook, CLASSROOM.similarity_code_chars)
        del notebook  # the next one may be as large: never hold two
    return similar_pairs(codes, code_of(nbformat.read(template, as_version=4)))


def write_similarity_csv(pairs: list[SimilarPair], path: Path) -> None:
    """first,second,score, one row per pair in ranked order; written atomically."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["first", "second", "score"])
    writer.writerows([pair.first, pair.second, f"{pair.score:.4f}"] for pair in pairs)
    write_atomically(path, buffer.getvalue())
