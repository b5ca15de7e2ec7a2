"""Property-based tests (hypothesis): the grader, the session engine, and a fuzz run over the bank loader.

Example counts are modest so the suite stays fast; each test prints how many cases it ran and records
the count as a junit property (``pytest -s`` shows the lines). A failing case is shrunk and printed as
usual; no example database is written.
"""

from __future__ import annotations

import json
import math
import string
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from fakes import Clock, KeywordGrader, question, small_bank
from interviewer.grading import text as tx
from interviewer.bank import Bank, BankError, check_folders, load_bank
from interviewer.engine import Engine
from interviewer.grade import Band
from interviewer.grading.grader import MAX_GRADED_CHARS, Grader
from interviewer.planner import Level, Setup, plan_tracks
from interviewer.reply import Reply
from interviewer.session import Interview
from interviewer.store import Store

QUICK = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))
QUESTIONS = ("mlf-overfitting", "mlf-l1-vs-l2", "mlf-bias-variance", "beh-teamwork-complex-problem")


def report(record_property, name: str, count: int) -> None:
    """Print and record how many generated cases a property test ran."""
    print(f"\n[hypothesis] {name}: {count} cases")
    record_property(f"{name}_cases", count)


# --- the grader ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return load_bank()


@pytest.fixture(scope="module")
def grader(shipped, encoder, shared_cache_dir):
    return Grader.for_bank(shipped, encoder, shared_cache_dir)


def answers(shipped) -> st.SearchStrategy[str]:
    """Random text, and pieces of real rubric text mixed with noise, negations and odd characters."""
    pieces = sorted({t for qid in QUESTIONS for t in shipped.get(qid).rubric.texts()})
    noise = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
    glue = st.sampled_from([" ", ". ", "\n", ", but ", " not ", " \x00 ", "; ", " 🙂 ", "<br>", "\n\n- "])
    mixed = st.lists(st.one_of(st.sampled_from(pieces), noise), min_size=1, max_size=6).flatmap(
        lambda parts: st.lists(glue, min_size=len(parts), max_size=len(parts)).map(
            lambda seps: "".join(p + s for p, s in zip(parts, seps))))
    return st.one_of(st.text(max_size=300), mixed, st.sampled_from(pieces))


@pytest.mark.slow
def test_grader_properties(grader, shipped, record_property):
    """Never raises; score in [0, 1]; evidence inside the answer and equal to it; same answer, same grade."""
    count = 0

    @settings(QUICK, max_examples=50)
    @given(qid=st.sampled_from(QUESTIONS), answer=answers(shipped))
    def check(qid, answer):
        nonlocal count
        count += 1
        rubric = shipped.get(qid).rubric
        grade = grader.grade(rubric, answer)
        assert 0.0 <= grade.score <= 1.0 and not math.isnan(grade.score) and grade.band in Band
        shown = tx.clean(answer)  # control characters are graded as spaces, at the same offsets
        spans = [p.evidence for p in grade.points if p.evidence] + [m.evidence for m in grade.misconceptions]
        for span in spans:
            assert 0 <= span.start < span.end <= min(len(answer), MAX_GRADED_CHARS)
            assert shown[span.start:span.end] == span.text
        assert grader.grade(rubric, answer) == grade
        json.dumps(grade.to_dict())

    check()
    report(record_property, "grader", count)


# --- the session engine --------------------------------------------------------------------------

COMMANDS = ["/hint", "/skip", "/repeat", "/answer", "/retry", "/end", "/help", "/nope", "/", "/HINT now"]
KEYWORD_ANSWERS = ["alpha beta gamma", "alpha", "beta gamma", "gamma", "x y", "I don't know", "", "   ",
                   "alpha \x00 beta 🙂", "<b>alpha</b>"]
message = st.one_of(st.sampled_from(COMMANDS), st.sampled_from(KEYWORD_ANSWERS), st.text(max_size=60))
setups = st.builds(
    Setup,
    tracks=st.lists(st.sampled_from(["ml-fundamentals", "evaluation-metrics"]), max_size=2, unique=True).map(tuple),
    difficulty=st.sampled_from([level.value for level in Level]),
    length=st.integers(1, 4),
    seed=st.one_of(st.none(), st.integers(0, 2**31)),
)


def check_invariants(interview: Interview) -> None:
    assert [e.seq for e in interview.entries] == list(range(1, len(interview.entries) + 1))
    assert (interview.current is None) == interview.is_over
    interview.summary()


def test_session_properties(tmp_path_factory, record_property):
    """Random setups and message sequences never crash, and the transcript round-trips exactly."""
    bank = small_bank(tmp_path_factory.mktemp("prop-bank"))
    count = 0

    @settings(QUICK, max_examples=60)
    @given(setup=setups, script=st.lists(message, max_size=25), last=message)
    def check(setup, script, last):
        nonlocal count
        count += 1
        clock = Clock()
        interview = Interview.begin(bank, KeywordGrader(), setup, plan_tracks(bank, setup), clock=clock)
        for text in script:
            clock.advance(2)
            assert isinstance(interview.handle(text), Reply)
            check_invariants(interview)
        data = json.loads(json.dumps(interview.to_dict()))
        again = Interview.from_dict(data, bank, KeywordGrader(), clock=clock)
        assert again.to_dict() == interview.to_dict() and again.entries == interview.entries
        assert again.current == interview.current and again.summary() == interview.summary()
        assert again.handle(last).entries == interview.handle(last).entries

    check()
    report(record_property, "session", count)


def test_engine_and_store_properties(tmp_path_factory, record_property):
    """Through the engine and SQLite: every step saved, and the saved session resumes exactly."""
    bank = small_bank(tmp_path_factory.mktemp("prop-bank2"))
    folder = tmp_path_factory.mktemp("prop-data")
    store = Store(f"sqlite:///{folder / 'db.sqlite3'}")
    engine = Engine(bank, KeywordGrader(), store, data_dir=folder)
    count = 0

    @settings(QUICK, max_examples=40)
    @given(setup=setups, script=st.lists(message, max_size=15))
    def check(setup, script):
        nonlocal count
        count += 1
        clock = Clock()
        interview = engine.start(setup, clock=clock)
        for text in script:
            clock.advance(3)
            engine.handle(interview, text)
        resumed = engine.resume(interview.id, clock=clock)
        assert resumed.to_dict() == interview.to_dict() and resumed.current == interview.current

    check()
    store.close()
    report(record_property, "engine_store", count)


# --- a fuzz run over the bank loader -------------------------------------------------------------

FIELDS = ["id", "track", "difficulty", "kind", "question", "reference_answer", "key_points", "misconceptions",
          "follow_ups", "hints", "tags", "seed", "text", "weight", "alternatives", "claim", "correction",
          "key_point", "probes", "__line__"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(["junior", "mid", "senior", "ml-fundamentals", "deeper",
                                                           "technical", "behavioral", "alpha"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=8)), inner,
                                                 max_size=6)), max_leaves=25)
VALID_TEXT = yaml.safe_dump([question("mlf-fuzz-1", "ml-fundamentals", "mid"),
                             question("eval-fuzz-2", "evaluation-metrics", "senior")], sort_keys=False)


def mutated(data: st.DataObject) -> bytes:
    """The valid bank file with a few random byte edits: flips, inserts, deletions, duplications."""
    raw = bytearray(VALID_TEXT.encode())
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(raw)))
        op = data.draw(st.sampled_from(["flip", "insert", "delete", "duplicate"]))
        if op == "flip" and at < len(raw):
            raw[at] = data.draw(st.integers(0, 255))
        elif op == "insert":
            raw[at:at] = data.draw(st.one_of(st.binary(max_size=8), st.sampled_from(
                [b"&a ", b"*a", b"!!python/object ", b": ", b"- ", b"\t", b"'", b'"', b"{", b"[", b"\x00", b"\n  "])))
        elif op == "delete":
            del raw[at:at + data.draw(st.integers(1, 40))]
        else:
            raw[at:at] = raw[at:at + data.draw(st.integers(1, 200))]
    return bytes(raw)


def replaced_field(data: st.DataObject) -> bytes:
    """The valid bank with one field somewhere in it replaced by a random value."""
    items = yaml.safe_load(VALID_TEXT)
    target = items[data.draw(st.integers(0, len(items) - 1))]
    for _ in range(data.draw(st.integers(0, 2))):       # sometimes go one or two levels down
        nested = [v for v in target.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        if not nested:
            break
        chosen = data.draw(st.sampled_from(nested))
        target = chosen[data.draw(st.integers(0, len(chosen) - 1))]
    key = data.draw(st.sampled_from(sorted(target) + ["extra"]))
    target[key] = data.draw(values)
    return yaml.safe_dump(items, allow_unicode=True, sort_keys=False).encode()


def _empty_list(content: bytes) -> bool:
    """Whether the file is a YAML empty list: nothing to load, nothing wrong."""
    try:
        return yaml.safe_load(content) == []
    except Exception:  # noqa: BLE001 - any parse failure means "not an empty list"
        return False


def test_bank_loader_fuzz(record_property):
    """Mutated, restructured or random YAML: the loader never raises and always explains a rejection."""
    count = 0
    kinds: dict[str, int] = {}
    folder = Path(tempfile.mkdtemp(prefix="bank-fuzz-"))

    @settings(QUICK, max_examples=200)
    @given(data=st.data(), kind=st.sampled_from(["mutated", "field", "random-yaml", "random-text"]))
    def check(data, kind):
        nonlocal count
        count += 1
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind == "mutated":
            content = mutated(data)
        elif kind == "field":
            content = replaced_field(data)
        elif kind == "random-yaml":
            content = yaml.safe_dump(data.draw(values), allow_unicode=True).encode()
        else:
            content = data.draw(st.text(alphabet=string.printable + "&*!{}[]:-🙂é\x00", max_size=300)).encode()
        (folder / "fuzz.yaml").write_bytes(content)
        bank = check_folders([folder])
        assert isinstance(bank, Bank)
        for issue in bank.issues:
            assert issue.file and str(issue) and json.dumps(issue.as_dict())
        if len(bank.questions) < 2 and not _empty_list(content):
            assert bank.issues                              # a question left out is always explained
        try:
            load_bank(folder, replace=True)
        except BankError as exc:
            assert exc.issues
        for item in bank.questions:                          # whatever loads is usable
            assert item.id and item.key_points and item.rubric.texts()

    check()
    report(record_property, "bank_loader_fuzz", count)
    print(f"[hypothesis] bank_loader_fuzz by kind: {kinds}")
