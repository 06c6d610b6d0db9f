"""The ``clio`` command: sample data, run partitions, the demo, and serving the outputs to signed-in users."""

from __future__ import annotations

import os
import time
import warnings
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from clio_dagster.config import Settings

# Partitioned asset checks are a preview feature of Dagster 1.13; we rely on them knowingly.
warnings.filterwarnings("ignore", message=".*partitions_def on an AssetCheckSpec.*")

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console(stderr=True)

HomeOption = Annotated[Path | None, typer.Option("--home", help="Output root (CLIO_HOME, default ./.clio)")]


def _apply(**flags: object) -> Settings:
    """CLI flags override the environment: set them as CLIO_* so every step (and subprocess) sees them."""
    for name, value in flags.items():
        if value is not None:
            os.environ[f"CLIO_{name.upper()}"] = str(value)
    return Settings()


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=1)


def _dates_in(source: str, start: str | None, end: str | None) -> list[str]:
    from clio_dagster.ingest import IngestError, discover_dates

    try:
        dates = discover_dates(source)
    except IngestError as error:
        raise _fail(str(error)) from error
    chosen = [d for d in dates if (start is None or d >= start) and (end is None or d <= end)]
    if not chosen:
        raise _fail(
            f"no record with a valid created_at in {source}" + (" in that date range" if dates else "")
        )
    return chosen


def run_dates(settings: Settings, dates: list[str], *, rebuild_first: bool = False) -> int:
    """Run every partition with a progress bar; print what was published; return the exit code.

    ``rebuild_first``: the first partition rebuilds the taxonomy whatever CLIO_TAXONOMY_MODE says.
    """
    from clio_dagster.core.taxonomy.reuse import TAXONOMY_TAG
    from clio_dagster.runner import instance_for, run_partition

    instance = instance_for(settings)
    failures = []
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("partitions", total=len(dates))
        for day in dates:
            progress.update(task, description=f"partition {day}")
            started = time.perf_counter()
            tags = {TAXONOMY_TAG: "rebuild"} if rebuild_first and day == dates[0] else None
            outcome = run_partition(day, instance, tags=tags)
            elapsed = time.perf_counter() - started
            if outcome.success:
                progress.console.print(
                    f"[green]✓[/] {day}: {outcome.metadata.get('nodes', '?')} public nodes, "
                    f"{outcome.metadata.get('suppressed_conversations', 0)} conversations suppressed, "
                    f"taxonomy {outcome.metadata.get('taxonomy_mode', '?')} "
                    f"({outcome.metadata.get('taxonomy_date', '?')}) ({elapsed:.1f}s)"
                )
            else:
                failures.append(outcome)
                progress.console.print(f"[red]✗[/] {day}: {outcome.reason}")
            progress.advance(task)
    console.print(f"public outputs:     {settings.public_dir.resolve()}")
    console.print(f"restricted outputs: {settings.restricted_dir.resolve()} (owner-only)")
    explorer = settings.public_dir / "explorer.html"
    if explorer.exists():
        console.print(f"explorer:           {explorer.resolve()}")
    if failures:
        first = failures[0]
        console.print(
            f"[bold red]error:[/] {len(failures)} partition(s) not published; {first.date}: {first.reason}"
        )
        return 1
    return 0


@app.command()
def run(
    input: Annotated[str, typer.Option("--input", help="JSONL/Parquet file, directory or glob")],
    start: Annotated[
        str | None, typer.Option(help="First date (YYYY-MM-DD), default: earliest in input")
    ] = None,
    end: Annotated[str | None, typer.Option(help="Last date (YYYY-MM-DD), default: latest in input")] = None,
    home: HomeOption = None,
    min_users: Annotated[int | None, typer.Option("--min-users", help="CLIO_MIN_UNIQUE_USERS")] = None,
    min_conversations: Annotated[int | None, typer.Option(help="CLIO_MIN_CONVERSATIONS")] = None,
    taxonomy_mode: Annotated[
        str | None, typer.Option(help="CLIO_TAXONOMY_MODE: rebuild, assign or auto")
    ] = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Rebuild the taxonomy on the first date, whatever the mode")
    ] = False,
) -> None:
    """Run the pipeline for every date of INPUT (or the given range), one partition per UTC date."""
    if taxonomy_mode not in (None, "rebuild", "assign", "auto"):
        raise _fail(f"--taxonomy-mode must be rebuild, assign or auto, not {taxonomy_mode!r}")
    settings = _apply(
        input=input,
        home=home,
        min_unique_users=min_users,
        min_conversations=min_conversations,
        taxonomy_mode=taxonomy_mode,
    )
    raise typer.Exit(run_dates(settings, _dates_in(input, start, end), rebuild_first=rebuild))


@app.command()
def backfill(
    start: Annotated[str, typer.Option(help="First date (YYYY-MM-DD)")],
    end: Annotated[str, typer.Option(help="Last date (YYYY-MM-DD), inclusive")],
    home: HomeOption = None,
    input: Annotated[str | None, typer.Option("--input", help="CLIO_INPUT: JSONL/Parquet source")] = None,
    executor: Annotated[
        str, typer.Option(help="multiprocess (a process per step) or in_process (small days, debugging)")
    ] = "multiprocess",
    max_concurrent: Annotated[int, typer.Option(min=1, help="Steps of one run at once (multiprocess)")] = 2,
) -> None:
    """Run clio_daily for every day from START to END, in order, on the configured Dagster instance."""
    from clio_dagster.backfill import date_range, run_backfill
    from clio_dagster.runner import instance_for

    settings = _apply(input=input, home=home)
    if not settings.input:
        raise _fail("no input: pass --input or set CLIO_INPUT")
    if executor not in ("multiprocess", "in_process"):
        raise _fail(f"--executor must be multiprocess or in_process, not {executor!r}")
    try:
        dates = date_range(start, end)
    except ValueError as error:
        raise _fail(str(error)) from error

    def report(outcome, elapsed: float) -> None:
        mark = "[green]✓[/]" if outcome.success else "[red]✗[/]"
        detail = f"{outcome.metadata.get('nodes', '?')} public nodes" if outcome.success else outcome.reason
        console.print(f"{mark} {outcome.date}: {detail} (run {outcome.run_id[:8]}, {elapsed:.1f}s)")

    instance = instance_for(settings)
    runs = run_backfill(dates, instance, executor=executor, max_concurrent=max_concurrent, on_outcome=report)
    outcomes = list(runs)
    failed = [o.date for o in outcomes if not o.success]
    console.print(f"{len(outcomes) - len(failed)} of {len(outcomes)} partitions materialised")
    if failed:
        raise _fail(f"not published: {', '.join(failed)}")


@app.command()
def sample(
    out: Annotated[Path, typer.Option(help="Directory for conversations.jsonl and truth.jsonl")],
    days: Annotated[int, typer.Option(min=1)] = 3,
    conversations: Annotated[int, typer.Option(min=1, help="Conversations per day")] = 2000,
    seed: int = 0,
    start: Annotated[str, typer.Option(help="First day (YYYY-MM-DD)")] = "2026-11-01",
    malformed: Annotated[int, typer.Option(min=0, help="Bad records to add, for the quarantine")] = 0,
) -> None:
    """Write a synthetic multilingual corpus with ground truth (topics, languages, planted details)."""
    from clio_dagster.sample import generate_sample

    files = generate_sample(
        out,
        days=days,
        conversations=conversations,
        seed=seed,
        start=date.fromisoformat(start),
        malformed=malformed,
    )
    console.print(f"wrote {files.conversations} and {files.truth}")


@app.command()
def demo(
    home: HomeOption = None,
    days: Annotated[int, typer.Option(min=1)] = 3,
    conversations: Annotated[int, typer.Option(min=1, help="Conversations per day")] = 5000,
    seed: int = 0,
) -> None:
    """Generate a sample corpus and run every partition on the local backend."""
    from clio_dagster.sample import generate_sample

    settings = _apply(home=home, llm_backend="local")
    sample_dir = settings.home / "sample"
    with console.status("generating the sample corpus"):
        files = generate_sample(sample_dir, days=days, conversations=conversations, seed=seed, malformed=20)
    console.print(f"sample corpus: {files.conversations}")
    settings = _apply(input=str(files.conversations))
    raise typer.Exit(run_dates(settings, _dates_in(str(files.conversations), None, None)))


users_app = typer.Typer(
    no_args_is_help=True, help="Accounts of `clio serve`: add, list, role, remove, unlock."
)
app.add_typer(users_app, name="users")


def _accounts(home: Path | None):
    from datetime import timedelta

    from clio_dagster.serve.accounts import Accounts
    from clio_dagster.serve.database import connect, database_url
    from clio_dagster.serve.settings import ServeSettings

    settings, serve_settings = _apply(home=home), ServeSettings()
    engine = connect(database_url(settings.home, settings.pg_url))
    return Accounts(
        engine,
        max_failed_logins=serve_settings.serve_max_failed_logins,
        lockout=timedelta(minutes=serve_settings.serve_lockout_minutes),
    )


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (for OIDC: the value of CLIO_OIDC_USERNAME_CLAIM)")],
    role: Annotated[str, typer.Option(help="viewer, trust_safety or admin")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (else OIDC only)")
    ] = False,
    home: HomeOption = None,
) -> None:
    """Add an account; without --password-stdin it can only sign in through the OIDC provider."""
    import sys

    from clio_dagster.serve.accounts import AccountError

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    try:
        account = _accounts(home).add(name, role, password)
    except AccountError as error:
        raise _fail(str(error)) from error
    console.print(f"added {account.name} ({account.role.value})")


@users_app.command("list")
def users_list(home: HomeOption = None) -> None:
    """List accounts with their role and lock state."""
    for account in _accounts(home).list():
        locked = f", locked until {account.locked_until:%Y-%m-%d %H:%M} UTC" if account.locked_until else ""
        sign_in = "password" if account.has_password else "oidc"
        print(f"{account.name}\t{account.role.value}\t{sign_in}{locked}")


@users_app.command("role")
def users_role(
    name: str,
    role: Annotated[str, typer.Argument(help="viewer, trust_safety or admin")],
    home: HomeOption = None,
) -> None:
    """Change an account's role; it applies from its next request."""
    from clio_dagster.serve.accounts import AccountError

    try:
        _accounts(home).set_role(name, role)
    except AccountError as error:
        raise _fail(str(error)) from error
    console.print(f"{name} is now {role}")


@users_app.command("remove")
def users_remove(name: str, home: HomeOption = None) -> None:
    """Delete an account and end its sessions (its rows in the access log stay)."""
    from clio_dagster.serve.accounts import AccountError

    try:
        _accounts(home).remove(name)
    except AccountError as error:
        raise _fail(str(error)) from error
    console.print(f"removed {name}")


@users_app.command("unlock")
def users_unlock(name: str, home: HomeOption = None) -> None:
    """Clear an account's lockout after repeated failed sign-ins."""
    from clio_dagster.serve.accounts import AccountError

    try:
        _accounts(home).unlock(name)
    except AccountError as error:
        raise _fail(str(error)) from error
    console.print(f"unlocked {name}")


@app.command()
def serve(
    home: HomeOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8080,
    threads: Annotated[int, typer.Option(min=1, help="Request threads")] = 8,
) -> None:
    """Serve the explorer, the public outputs and the trust-and-safety views to signed-in users."""
    from clio_dagster.serve.server import serve as run_server

    settings = _apply(home=home)
    console.print(f"clio serve: http://{host}:{port}/ over {settings.home.resolve()}")
    run_server(settings.home, host=host, port=port, pg_url=settings.pg_url, threads=threads)


@app.command()
def evaluate(
    home: Annotated[Path, typer.Argument(help="A CLIO_HOME that `clio run` filled")],
    labels: Annotated[Path, typer.Option(help="JSONL: conversation_id, topic[, language] per line")],
    topic_field: Annotated[str, typer.Option(help="The labels' field that holds the topic")] = "topic",
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the figures here")] = None,
    titles: Annotated[bool, typer.Option(help="Score title agreement (embeds titles and labels)")] = True,
) -> None:
    """Score a finished home against labelled conversations: per-day AMI, NMI, reconstruction, base
    clusters per conversation, language accuracy and title agreement (table, and JSON with --json)."""
    import json

    from rich.table import Table

    from clio_dagster.core.clustering.embed import make_embedder
    from clio_dagster.core.clustering.home_evaluation import EvaluationError, evaluate_home, read_labels

    settings = _apply(home=home)
    embed = None
    if titles:
        embedder = make_embedder(settings.embedder, threads=settings.embed_threads)
        embed = embedder.embed
    try:
        result = evaluate_home(settings.home, read_labels(labels, topic_field), embed)
    except EvaluationError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None

    def figure(value: float | None, percent: bool = False) -> str:
        if value is None:
            return "–"
        return f"{value:.1%}" if percent else f"{value:.3f}"

    table = Table(
        "day", "conversations", "unlabelled", "base clusters", "AMI", "NMI", "reconstruction",
        "language", "titles: nearest = majority", "titles: similarity",
    )  # fmt: skip
    for day in result.days:
        table.add_row(
            day.date,
            f"{day.conversations:,}",
            f"{day.unlabelled:,}",
            f"{day.base_clusters:,} (1 per {day.conversations / max(day.base_clusters, 1):.0f})",
            figure(day.ami),
            figure(day.nmi),
            figure(day.reconstruction, percent=True),
            figure(day.language_accuracy, percent=True),
            f"{figure(day.titles.nearest_is_majority, percent=True)} of {day.titles.nodes}",
            figure(day.titles.mean_similarity),
        )
    mean = result.mean()
    table.add_row(
        "mean", "", "", "", figure(mean["ami"]), figure(mean["nmi"]), figure(mean["reconstruction"], True),
        figure(mean["language_accuracy"], True), figure(mean["title_nearest_is_majority"], True),
        figure(mean["title_mean_similarity"]),
    )  # fmt: skip
    console.print(table)
    if result.labels_without_conversation:
        console.print(f"{result.labels_without_conversation:,} labels name a conversation that is in no day")
    payload = json.dumps(result.to_dict(), indent=1)
    if json_out:
        json_out.write_text(payload + "\n")
    else:
        print(payload)


if __name__ == "__main__":
    app()
