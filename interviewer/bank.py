"""The question bank: YAML files in, validated frozen ``Question`` objects out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from interviewer.choice import Choice as _Choice

MAX_BANK_FILE_BYTES = 2_000_000
LINE_KEY = "__line__"


class Track(_Choice):
    ML_FUNDAMENTALS = "ml-fundamentals"
    EVALUATION_METRICS = "evaluation-metrics"
    DATA_MODELING = "data-modeling"
    PROBABILITY_STATISTICS = "probability-statistics"
    CS_FUNDAMENTALS = "cs-fundamentals"
    ML_SYSTEM_DESIGN = "ml-system-design"
    LLM_GENAI = "llm-genai"
    BEHAVIORAL = "behavioral"
    SITUATIONAL = "situational"

    @property
    def title(self) -> str:
        """A human label for menus."""
        return TRACK_TITLES[self]


TRACK_TITLES = {
    Track.ML_FUNDAMENTALS: "ML fundamentals",
    Track.EVALUATION_METRICS: "Evaluation & metrics",
    Track.DATA_MODELING: "Data & modeling",
    Track.PROBABILITY_STATISTICS: "Probability & statistics",
    Track.CS_FUNDAMENTALS: "CS fundamentals",
    Track.ML_SYSTEM_DESIGN: "ML system design",
    Track.LLM_GENAI: "LLMs and generative AI",
    Track.BEHAVIORAL: "Behavioral",
    Track.SITUATIONAL: "Situational & industry",
}


class Difficulty(_Choice):
    JUNIOR = "junior"
    MID = "mid"
    SENIOR = "senior"

    @property
    def rank(self) -> int:
        """0 for junior, 1 for mid, 2 for senior."""
        return list(Difficulty).index(self)


class Kind(_Choice):
    TECHNICAL = "technical"
    CODING = "coding"
    BEHAVIORAL = "behavioral"


DEEPER = "deeper"


@dataclass(frozen=True)
class KeyPoint:
    """One idea a grader looks for in an answer."""

    id: str
    text: str
    weight: float = 1.0
    alternatives: tuple[str, ...] = ()

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The text and its alternatives: every way of saying this point."""
        return (self.text, *self.alternatives)


@dataclass(frozen=True)
class Misconception:
    """A wrong statement a candidate might make, with its correction."""

    claim: str
    correction: str
    key_point: str | None = None


@dataclass(frozen=True)
class Rubric:
    """Everything the grader needs for one question or follow-up."""

    question: str
    reference_answer: str
    key_points: tuple[KeyPoint, ...]
    misconceptions: tuple[Misconception, ...] = ()
    kind: Kind = Kind.TECHNICAL

    def texts(self) -> list[str]:
        """Every text of the rubric that the grader encodes."""
        out = [self.question, self.reference_answer]
        for point in self.key_points:
            out.extend(point.phrasings)
        for wrong in self.misconceptions:
            out.extend((wrong.claim, wrong.correction))
        return out


@dataclass(frozen=True)
class FollowUp:
    """A question an interviewer asks next, tied to a key point or going deeper."""

    id: str
    probes: str
    question: str
    reference_answer: str
    key_points: tuple[KeyPoint, ...]
    misconceptions: tuple[Misconception, ...] = ()

    def rubric(self, kind: Kind) -> Rubric:
        """The follow-up as a gradable rubric."""
        return Rubric(self.question, self.reference_answer, self.key_points, self.misconceptions, kind)


@dataclass(frozen=True)
class Question:
    """A main interview question with its rubric, follow-ups and hints."""

    id: str
    track: Track
    difficulty: Difficulty
    question: str
    reference_answer: str
    key_points: tuple[KeyPoint, ...]
    kind: Kind = Kind.TECHNICAL
    tags: tuple[str, ...] = ()
    misconceptions: tuple[Misconception, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()
    hints: tuple[str, ...] = ()
    seeds: tuple[str, ...] = ()
    source: str = field(default="", compare=False)

    @property
    def rubric(self) -> Rubric:
        """The question as a gradable rubric."""
        return Rubric(self.question, self.reference_answer, self.key_points, self.misconceptions, self.kind)

    def follow_up(self, follow_up_id: str) -> FollowUp:
        """The follow-up with this id."""
        for item in self.follow_ups:
            if item.id == follow_up_id:
                return item
        raise KeyError(f"question {self.id} has no follow-up {follow_up_id!r}")


@dataclass(frozen=True)
class BankIssue:
    """One problem found in a bank file, located as precisely as possible."""

    file: str
    message: str
    line: int | None = None
    question_id: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        what = " ".join(part for part in (
            f"question {self.question_id}" if self.question_id else "",
            f"field {self.field}" if self.field else "",
        ) if part)
        return f"{where}: {what + ': ' if what else ''}{self.message}"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"file": self.file, "line": self.line, "question_id": self.question_id,
                "field": self.field, "message": self.message}


class BankError(ValueError):
    """A bank that cannot be used as it is; ``issues`` lists every problem."""

    def __init__(self, issues: list[BankIssue]) -> None:
        self.issues = issues
        shown = "\n".join(f"- {issue}" for issue in issues[:20])
        more = f"\n- ... and {len(issues) - 20} more" if len(issues) > 20 else ""
        super().__init__(f"The question bank has {len(issues)} problem(s):\n{shown}{more}")


@dataclass(frozen=True)
class Bank:
    """The validated questions, in file order, with any problems that were skipped."""

    questions: tuple[Question, ...]
    issues: tuple[BankIssue, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {q.id: q for q in self.questions})

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self):
        return iter(self.questions)

    def __contains__(self, question_id: object) -> bool:
        return question_id in self._by_id  # type: ignore[attr-defined]

    def get(self, question_id: str) -> Question:
        """The question with this id, or a KeyError that says so."""
        try:
            return self._by_id[question_id]  # type: ignore[attr-defined]
        except KeyError:
            raise KeyError(f"no question {question_id!r} in the bank") from None

    def by_track(self, track: Track) -> list[Question]:
        """The questions of one track, in bank order."""
        return [q for q in self.questions if q.track is track]

    def texts(self) -> list[str]:
        """Every distinct rubric text of the bank, follow-ups included, in a stable order."""
        seen: dict[str, None] = {}
        for q in self.questions:
            for text in q.rubric.texts():
                seen.setdefault(text, None)
            for item in q.follow_ups:
                for text in item.rubric(q.kind).texts():
                    seen.setdefault(text, None)
        return list(seen)


# --- YAML loading --------------------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records each mapping's line and refuses aliases (no YAML bombs)."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.YAMLError(f"line {event.start_mark.line + 1}: YAML aliases are not allowed in a bank file")
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        # PyYAML keeps the last of two equal keys; in a bank that silently drops a field (or a whole
        # question, when a lost "- " merges two), so a repeated key is an error.
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # unhashable: the base class reports it
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark)
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


def read_yaml(path: Path) -> tuple[Any, list[BankIssue]]:
    """Parse one bank file safely; problems come back as issues, never as exceptions."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BANK_FILE_BYTES:
            return None, [BankIssue(name, f"file is {size:,} bytes; the limit is {MAX_BANK_FILE_BYTES:,}")]
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [BankIssue(name, f"not valid UTF-8 ({exc.reason} at byte {exc.start})")]
    except OSError as exc:
        return None, [BankIssue(name, f"cannot read file: {exc.strerror or exc}")]
    try:
        return yaml.load(text, Loader=_LineLoader), []  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [BankIssue(name, f"invalid YAML: {problem}", line=line)]
    except RecursionError:
        return None, [BankIssue(name, "invalid YAML: nested too deeply")]
    except (ValueError, TypeError, OverflowError) as exc:  # PyYAML constructors: "2024-13-45", a 5,000-digit int
        return None, [BankIssue(name, f"invalid YAML value: {exc}")]


class _Checker:
    """Turns raw YAML mappings into dataclasses, collecting every issue on the way."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[BankIssue] = []

    def issue(self, raw: Any, qid: str | None, field_name: str | None, message: str) -> None:
        line = raw.get(LINE_KEY) if isinstance(raw, dict) else None
        self.issues.append(BankIssue(self.file, message, line, qid, field_name))

    def text(self, raw: dict, key: str, qid: str | None, prefix: str = "", required: bool = True) -> str:
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.issue(raw, qid, prefix + key, "missing or empty")
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.issue(raw, qid, prefix + key, f"must be text, not {type(value).__name__}")
            return ""
        return " ".join(str(value).split())

    def texts(self, raw: dict, key: str, qid: str | None, prefix: str = "", minimum: int = 0) -> tuple[str, ...]:
        value = raw.get(key, [])
        if value is None:
            value = []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.issue(raw, qid, prefix + key, f"must be a list, not {type(value).__name__}")
            return ()
        out = []
        for item in value:
            if isinstance(item, (str, int, float)) and not isinstance(item, bool) and str(item).strip():
                out.append(" ".join(str(item).split()))
            else:
                self.issue(raw, qid, prefix + key, f"entries must be non-empty text, got {item!r:.60}")
        if len(out) < minimum:
            self.issue(raw, qid, prefix + key, f"needs at least {minimum}, has {len(out)}")
        return tuple(out)

    def items(self, raw: dict, key: str, qid: str | None, prefix: str, minimum: int, maximum: int | None = None) -> list[dict]:
        value = raw.get(key, [])
        if value is None:
            value = []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.issue(raw, qid, prefix + key, "must be a list of mappings")
            return []
        if len(value) < minimum or (maximum is not None and len(value) > maximum):
            bound = f"{minimum}-{maximum}" if maximum is not None else f"at least {minimum}"
            self.issue(raw, qid, prefix + key, f"needs {bound}, has {len(value)}")
        return value

    def key_points(self, raw: dict, qid: str | None, prefix: str, minimum: int, maximum: int) -> tuple[KeyPoint, ...]:
        points: list[KeyPoint] = []
        for i, item in enumerate(self.items(raw, "key_points", qid, prefix, minimum, maximum)):
            where = f"{prefix}key_points[{i}]."
            point_id = self.text(item, "id", qid, where)
            weight = item.get("weight", 1.0)
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 5:
                self.issue(item, qid, where + "weight", f"must be a number in (0, 5], got {weight!r}")
                weight = 1.0
            if point_id and point_id in {p.id for p in points}:
                self.issue(item, qid, where + "id", f"duplicate key point id {point_id!r}")
            points.append(KeyPoint(point_id, self.text(item, "text", qid, where), float(weight),
                                   self.texts(item, "alternatives", qid, where)))
        return tuple(points)

    def misconceptions(self, raw: dict, qid: str | None, prefix: str, minimum: int,
                       points: tuple[KeyPoint, ...]) -> tuple[Misconception, ...]:
        out = []
        ids = {p.id for p in points}
        for i, item in enumerate(self.items(raw, "misconceptions", qid, prefix, minimum)):
            where = f"{prefix}misconceptions[{i}]."
            target = self.text(item, "key_point", qid, where, required=False) or None
            if target and target not in ids:
                self.issue(item, qid, where + "key_point", f"names key point {target!r}, which does not exist; "
                           f"valid: {', '.join(sorted(ids))}")
            out.append(Misconception(self.text(item, "claim", qid, where), self.text(item, "correction", qid, where), target))
        return tuple(out)

    def choice(self, raw: dict, key: str, enum_type: type[_Choice], qid: str | None, default: _Choice | None = None):
        if key not in raw and default is not None:
            return default
        try:
            return enum_type.parse(raw.get(key))
        except ValueError as exc:
            self.issue(raw, qid, key, str(exc))
            return None

    def question(self, raw: Any, index: int) -> Question | None:
        if not isinstance(raw, dict):
            self.issues.append(BankIssue(self.file, f"entry {index} must be a mapping, not {type(raw).__name__}"))
            return None
        before = len(self.issues)
        qid = self.text(raw, "id", None) or None
        track = self.choice(raw, "track", Track, qid)
        difficulty = self.choice(raw, "difficulty", Difficulty, qid)
        kind = self.choice(raw, "kind", Kind, qid, default=Kind.TECHNICAL)
        points = self.key_points(raw, qid, "", 3, 6)
        technical = kind is not Kind.BEHAVIORAL
        wrongs = self.misconceptions(raw, qid, "", 1 if technical else 0, points)
        follow_ups = []
        for i, item in enumerate(self.items(raw, "follow_ups", qid, "", 2)):
            where = f"follow_ups[{i}]."
            probes = self.text(item, "probes", qid, where) or DEEPER
            if probes != DEEPER and probes not in {p.id for p in points}:
                self.issue(item, qid, where + "probes", f"names key point {probes!r}, which does not exist; "
                           f"use one of {', '.join(p.id for p in points)} or {DEEPER!r}")
            fu_points = self.key_points(item, qid, where, 2, 4)
            follow_ups.append(FollowUp(
                self.text(item, "id", qid, where), probes, self.text(item, "question", qid, where),
                self.text(item, "reference_answer", qid, where), fu_points,
                self.misconceptions(item, qid, where, 0, fu_points)))
        if len({f.id for f in follow_ups}) != len(follow_ups):
            self.issue(raw, qid, "follow_ups", "follow-up ids must be unique within a question")
        built = Question(
            id=qid or "", track=track, difficulty=difficulty, kind=kind or Kind.TECHNICAL,  # type: ignore[arg-type]
            question=self.text(raw, "question", qid), reference_answer=self.text(raw, "reference_answer", qid),
            key_points=points, tags=self.texts(raw, "tags", qid), misconceptions=wrongs,
            follow_ups=tuple(follow_ups), hints=self.texts(raw, "hints", qid, minimum=1),
            seeds=self.texts(raw, "seed", qid),
            source=f"{self.file}:{raw.get(LINE_KEY, '?')}",
        )
        return built if len(self.issues) == before else None


def bank_files(folder: Path) -> list[Path]:
    """The YAML files of a bank folder, sorted."""
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def check_folders(folders: Iterable[Path]) -> Bank:
    """Load every bank folder in order; later folders extend and override earlier ones by id.

    Never raises for content problems: invalid questions are left out and reported in ``issues``.
    """
    questions: dict[str, Question] = {}
    issues: list[BankIssue] = []
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            issues.append(BankIssue(str(folder), "bank folder does not exist or is not a folder"))
            continue
        files = bank_files(folder)
        if not files:
            issues.append(BankIssue(str(folder), "bank folder has no .yaml files"))
        seen_here: dict[str, str] = {}
        for path in files:
            data, problems = read_yaml(path)
            issues.extend(problems)
            if problems:
                continue
            if data is None:
                issues.append(BankIssue(str(path), "the file is empty: it must be a YAML list of questions"))
                continue
            if not isinstance(data, list):
                issues.append(BankIssue(str(path), f"the file must be a YAML list of questions, not {type(data).__name__}"))
                continue
            checker = _Checker(str(path))
            for i, raw in enumerate(data):
                built = checker.question(raw, i)
                if built is None:
                    continue
                if built.id in seen_here:
                    checker.issue(raw, built.id, "id", f"duplicate id; first defined at {seen_here[built.id]}")
                    continue
                seen_here[built.id] = built.source
                questions[built.id] = built
            issues.extend(checker.issues)
    return Bank(tuple(questions.values()), tuple(issues))


def bank_folders(custom: Path | None, replace: bool = False) -> list[Path]:
    """The shipped bank, then the custom folder when one is configured (alone with ``replace``)."""
    from interviewer.settings import SHIPPED_BANK

    if custom and replace:
        return [custom]
    return [SHIPPED_BANK] + ([custom] if custom else [])


def load_bank(custom: Path | None = None, *, replace: bool = False, strict: bool = True) -> Bank:
    """Load the shipped bank plus ``custom``; with ``strict``, any issue raises ``BankError``."""
    bank = check_folders(bank_folders(custom, replace))
    if strict and bank.issues:
        raise BankError(list(bank.issues))
    if not bank.questions:
        raise BankError(list(bank.issues) or [BankIssue("(bank)", "no questions found")])
    return bank
