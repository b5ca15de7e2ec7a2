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
def validate(path: Path | None, as_json: bool) -> None:
    """Check a bank folder (default: the configured bank) and report every problem."""
    config = settings.load()
    folders = [path] if path else bank_folders(config.bank_dir, config.bank_replace)
    bank = check_folders(folders)
    if as_json:
        click.echo(json.dumps({
            "questions": [{"id": q.id, "track": q.track.value, "difficulty": q.difficulty.value,
                           "question": q.question} for q in bank.questions],
            "errors": [issue.as_dict() for issue in bank.issues],
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
    sys.exit(1 if bank.issues or not bank.questions else 0)


if __name__ == "__main__":
    main()
