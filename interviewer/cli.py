"""The command line: a thin Click layer over the interviewer package."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from interviewer import __version__, settings
from interviewer.bank import bank_folders, check_folders


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="interviewer")
def main() -> None:
    """An offline mock interviewer for machine-learning jobs.

    Run `make run` (or `streamlit run app.py`) for the browser app.
    """


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the questions and errors.")
@click.option("--grade", "self_check", is_flag=True,
              help="Also grade every reference answer against its own question (loads the model): each must "
                   "score at least 0.8 and flag none of its own misconceptions.")
def validate(path: Path | None, as_json: bool, self_check: bool) -> None:
    """Check a bank folder (default: the configured bank) and report every problem."""
    config = settings.load()
    folders = [path] if path else bank_folders(config.bank_dir, config.bank_replace)
    bank = check_folders(folders)
    checked = _self_check(bank) if self_check and bank.questions and not bank.issues else None
    if as_json:
        click.echo(json.dumps({
            "questions": [{"id": q.id, "track": q.track.value, "difficulty": q.difficulty.value,
                           "question": q.question} for q in bank.questions],
            "errors": [issue.as_dict() for issue in bank.issues],
            **({"self_check": {k: v for k, v in checked.items() if k != "rows"}} if checked else {}),
        }, ensure_ascii=False))
    else:
        for issue in bank.issues:
            click.echo(f"error: {issue}", err=True)
        counts: dict[str, int] = {}
        for q in bank.questions:
            counts[q.track.value] = counts.get(q.track.value, 0) + 1
        summary = ", ".join(f"{track} {n}" for track, n in counts.items())
        click.echo(f"{len(bank.questions)} valid question(s) in {', '.join(map(str, folders))}"
                   + (f" ({summary})" if summary else ""))
        click.echo(f"{len(bank.issues)} problem(s)" if bank.issues else "no problems found")
        if checked:
            click.echo(f"reference answers graded against their own questions: {checked['n']}, median "
                       f"{checked['median']:.2f}, below 0.8: {len(checked['below_0.8'])}, flagging their own "
                       f"misconceptions or contradicting a point: {len(checked['flagged'])}")
            for rid in checked["below_0.8"] + checked["flagged"]:
                click.echo(f"  check {rid}", err=True)
    failed_check = bool(checked and (checked["below_0.8"] or checked["flagged"]))
    sys.exit(1 if bank.issues or not bank.questions or failed_check else 0)


def _self_check(bank) -> dict:
    from interviewer.grading.evaluate import reference_report

    return reference_report(_load_grader(bank), bank)


def _load_grader(bank=None):
    """The real grader, with a clear message instead of a traceback when the model is missing."""
    from embeddings import ModelError, load_encoder
    from interviewer.grading.grader import Grader

    config = settings.load()
    try:
        encoder = load_encoder(config.model_path)
    except ModelError as exc:
        raise click.ClickException(str(exc)) from None
    if bank is None:
        from interviewer.grading.verifier import load_verifier

        return Grader(encoder, verifier=load_verifier(encoder))
    return Grader.for_bank(bank, encoder, config.cache_dir)


def _load_bank():
    from interviewer.bank import BankError, load_bank

    config = settings.load()
    try:
        return load_bank(config.bank_dir, replace=config.bank_replace)
    except BankError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
def warm() -> None:
    """Build the question index cache now, so the app's first page opens at once."""
    import time

    from embeddings import TextIndex
    from embeddings.encoder import ModelError, model_id_for

    start = time.perf_counter()
    bank = _load_bank()
    config = settings.load()
    try:
        up_to_date = TextIndex.is_cached(bank.texts(), model_id_for(config.model_path), config.cache_dir)
    except (ModelError, OSError):
        up_to_date = False  # loading the model below gives the clear message
    if up_to_date:
        click.echo(f"Question index loaded from cache: up to date for {len(bank)} questions "
                   f"({time.perf_counter() - start:.1f} s, model not loaded).", err=True)
        return
    click.echo(f"Indexing {len(bank)} questions (only when the bank or model changed)...", err=True)
    grader = _load_grader(bank)
    state = "loaded from cache" if grader.index.from_cache else "built"
    click.echo(f"Question index {state} in {time.perf_counter() - start:.1f} s.", err=True)


@main.command()
@click.argument("question_id")
@click.option("--json", "as_json", is_flag=True, help="Print the grade as one JSON object.")
@click.option("--answer", help="The answer text (default: read from standard input).")
def grade(question_id: str, as_json: bool, answer: str | None) -> None:
    """Grade one answer (from stdin) to the bank question QUESTION_ID."""
    from interviewer.feedback import build_feedback

    bank = _load_bank()
    if question_id not in bank:
        raise click.ClickException(f"no question {question_id!r} in the bank; `interviewer validate --json` lists the ids")
    question = bank.get(question_id)
    text = answer if answer is not None else sys.stdin.buffer.read().decode("utf-8", errors="replace")
    result = _load_grader(bank).grade(question.rubric, text)
    if as_json:
        click.echo(json.dumps({"question_id": question_id, "score10": result.score10, **result.to_dict()},
                              ensure_ascii=False))
    else:
        click.echo(build_feedback(result).text())


@main.command(name="eval")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="End with one JSON object of the figures.")
@click.option("--split", type=click.Choice(["all", "tune", "holdout"]), default="all", show_default=True,
              help="Grade only one half of the questions (split by a hash of the question text).")
@click.option("--limit", type=int, default=None, help="Grade only the first N answers.")
@click.option("--predictions", type=click.Path(dir_okay=False, path_type=Path),
              help="Write one {id, predicted} JSON line per graded answer (blind suites: also kind, "
                   "expected and the flagged sentences).")
def eval_command(path: Path, as_json: bool, split: str, limit: int | None, predictions: Path | None) -> None:
    """Grade a human-graded answers file and report how well the grades agree."""
    from interviewer.grading.evaluate import EvalFileError, evaluate, in_split, is_suite2, read_items

    try:
        suite2 = is_suite2(path)
    except RecursionError:      # a deeply nested first line: read_items names it
        suite2 = False
    if suite2:
        _eval_blind(path, split, as_json, predictions, limit)
        return
    try:
        items = read_items(path)
    except EvalFileError as exc:
        raise click.ClickException(str(exc)) from None
    items = items[:limit] if limit else items
    bank = _load_bank() if any(item.question_id for item in items) else None
    grader = _load_grader(bank)
    try:
        report = evaluate(grader, items, bank, split)
    except EvalFileError as exc:
        raise click.ClickException(str(exc)) from None
    if predictions:
        chosen = [item for item in items if in_split(item.question, split)]
        with predictions.open("w", encoding="utf-8") as out:
            for item, value in zip(chosen, report.predictions):
                out.write(json.dumps({"id": item.id, "predicted": round(value, 4)}) + "\n")
    figures = report.as_dict()
    click.echo(f"{path.name} [{split}] n={report.n}")
    click.echo(f"  grader:   pearson {report.pearson:.3f}  spearman {report.spearman:.3f}  auc {report.auc:.3f}")
    click.echo(f"  baseline: pearson {report.baseline_pearson:.3f}  spearman {report.baseline_spearman:.3f}  "
               f"auc {report.baseline_auc:.3f}  (whole-answer cosine to the closest reference)")
    click.echo(f"  grading time {report.seconds:.1f} s ({1000 * report.seconds / report.n:.1f} ms per answer)")
    if as_json:
        click.echo(json.dumps(figures))


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: transcript, duration, words per minute, fillers, pauses, words.")
@click.option("--kind", type=click.Choice(["technical", "behavioral", "follow-up"]), default="technical",
              show_default=True, help="The kind of question answered: sets the expected length for coaching.")
def transcribe(path: Path, as_json: bool, kind: str) -> None:
    """Transcribe a spoken answer (WAV, MP3, M4A, OGG or WEBM) on this computer and report its delivery."""
    from interviewer.voice import VoiceError, analyse, expected_seconds, load_transcriber

    try:
        result = load_transcriber().transcribe(path, str(path))
    except VoiceError as exc:
        raise click.ClickException(str(exc)) from None
    report = analyse(result.words, result.duration,
                     expected_seconds(behavioral=kind == "behavioral", follow_up=kind == "follow-up"))
    if as_json:
        figures = report.to_dict()
        click.echo(json.dumps({
            "file": str(path), "transcript": result.text, "duration": figures["duration"],
            "speaking_seconds": figures["speaking_seconds"], "words_per_minute": figures["wpm"],
            "pace": figures["pace"], "word_count": figures["words"], "fillers": figures["fillers"],
            "filler_count": figures["filler_count"], "fillers_per_minute": figures["fillers_per_minute"],
            "pauses": {"longest": figures["longest_pause"], "long": figures["long_pauses"]},
            "habit": figures["habit"], "coaching": figures["coaching"], "model": result.model,
            "transcription_seconds": round(result.seconds, 2), "words": result.to_dict()["words"],
        }, ensure_ascii=False))
        return
    click.echo(result.text)
    click.echo("")
    for line in report.lines():
        click.echo(line)


def _eval_blind(path: Path, split: str, as_json: bool, predictions: Path | None = None,
                limit: int | None = None) -> None:
    """Answer-suite-2 (blind answers of known kinds): per-kind means, orderings and flag rates;
    ``predictions`` gets one {id, kind, expected, predicted, flags} line per graded answer."""
    from interviewer.grading.evaluate import EvalFileError, blind_report, read_blind

    try:
        answers = read_blind(path)
    except EvalFileError as exc:
        raise click.ClickException(str(exc)) from None
    answers = answers[:limit] if limit else answers
    bank = _load_bank()
    report = blind_report(_load_grader(bank), bank, answers, split)
    rows = report.pop("rows")
    if predictions:
        with predictions.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps({"id": row["id"], "kind": row["kind"], "expected": row["expected"],
                                      "predicted": round(row["score"], 4), "flags": row["flags"]}) + "\n")
    click.echo(f"{path.name} [{split}] n={report['n']}"
               + (f"; unknown question ids: {', '.join(report['unknown_questions'])}" if report["unknown_questions"] else ""))
    for group in ("technical", "behavioral"):
        if group not in report:
            continue
        part = report[group]
        click.echo(f"  {group}: " + "  ".join(f"{kind} {row['mean']:.2f} (n={row['n']})" for kind, row in part["kinds"].items()))
        click.echo("    orderings: " + "  ".join(f"{k} {v:.0%}" for k, v in part["orderings"].items()))
        extra = [f"false flags on correct answers {part['false_flag_rate']:.0%}"] if part["false_flag_rate"] is not None else []
        if part.get("listed_caught") is not None:
            extra.append(f"listed misconception caught {part['listed_caught']:.0%}")
        if part.get("mixed_false_flagged") is not None:
            extra.append(f"false sentence of mixed flagged {part['mixed_false_flagged']:.0%}")
        click.echo("    " + "; ".join(extra))
    if as_json:
        click.echo(json.dumps({**report, "scores": {r["id"]: round(r["score"], 4) for r in rows}}))


@main.command(name="train-verifier")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder with graded-answers/ and answer-suite-2/ (tune halves only are used); "
                   "default ../shared/data beside the project, if present.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write adapter.safetensors and config.json (default: the shipped folder).")
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--epochs", type=float, default=1.5, show_default=True)
def train_verifier(data_dir: Path | None, out_dir: Path | None, seed: int, epochs: float) -> None:
    """Train the grader's verifier (a LoRA adapter on the packaged model) on this CPU."""
    from interviewer.grading import train
    from interviewer.grading.verifier import WEIGHTS_DIR

    if data_dir is None:
        guess = settings.PACKAGE_ROOT.parent / "shared" / "data"
        data_dir = guess if guess.is_dir() else None
    if data_dir is None:
        click.echo("No data folder: training on the bank's own pairs and perturbations only.", err=True)
    bank = _load_bank()
    from embeddings import load_encoder

    meta = train.run(bank, load_encoder(), data_dir, out_dir or WEIGHTS_DIR, seed=seed, epochs=epochs,
                     log=lambda line: click.echo(line, err=True))
    click.echo(json.dumps(meta))


from interviewer.cli_practice import practice  # noqa: E402  (the terminal interview)
main.add_command(practice)

if __name__ == "__main__":
    main()
