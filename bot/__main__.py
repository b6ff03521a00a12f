"""Command line: `python -m bot run | migrate | purge | kb-check | kb-index | engine-endpoints | advisor add`."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from bot.infra.settings import Settings


def kb_check(settings: Settings) -> int:
    from bot.infra.tables import table
    from bot.knowledge.base import check_knowledge, completeness_table, load_knowledge
    from bot.knowledge.schema import CONTACT_FIELDS

    kb, problems = load_knowledge(settings.knowledge_dir)
    problems += check_knowledge(kb, date.today())
    print("contact completeness (not in source: the official page states nothing about it)")
    print(table(["contact", *CONTACT_FIELDS], completeness_table(kb)))
    print()
    for problem in problems:
        print(problem)
    errors = [p for p in problems if p.severity == "error"]
    for audience in ("candidate", "employer"):
        topics = sorted(e.id for e in kb.entries.values() if audience in e.audience)
        print(f"{audience} topics ({len(topics)}): {', '.join(topics)}")
    print(
        f"knowledge: {len(kb.entries)} entries, {len(kb.contacts)} contacts, {len(kb.checklists)} checklists, "
        f"{len(kb.figures)} figures; "
        f"{len(errors)} errors, {len(problems) - len(errors)} warnings"
    )
    return 1 if errors else 0


def kb_index(settings: Settings) -> int:
    """Builds the topic and detail matchers and the signal classifier now (embeddings + classifiers, minutes on a cold
    cache) so that neither the service start nor the tests pay for it; a no-op while knowledge/ is unchanged."""
    import logging
    import time

    from bot.app import build_dialogue_services
    from bot.infra.i18n import catalog_for

    logging.basicConfig(level=logging.INFO, format="   %(message)s")
    started = time.monotonic()
    services = build_dialogue_services(settings, catalog_for(settings.knowledge_dir / "ui"))
    print(
        f"==> knowledge matchers ready: {len(services.knowledge.kb.entries)} entries "
        f"({time.monotonic() - started:.0f} s; cached in {settings.cache_dir / 'embeddings'})"
    )
    return 0


def migrate(settings: Settings) -> int:
    from bot.infra.db import upgrade_database

    upgrade_database(settings.database_url)
    print("database is up to date")
    return 0


def purge(settings: Settings, args: argparse.Namespace) -> int:
    """What the service purges every few hours, now; with --dry-run only counted."""
    import asyncio

    from bot.domain.privacy import Eraser, purge
    from bot.infra.db import create_database_engine, create_session_factory, upgrade_database
    from bot.infra.engine_client import EngineClient

    upgrade_database(settings.database_url)

    async def run() -> str:
        database = create_database_engine(settings.database_url)
        engine_client = EngineClient(settings.engine_url, settings.engine_timeout_seconds)
        try:
            eraser = Eraser(engine_client, settings.engine_tracker_store_url)
            report = await purge(
                create_session_factory(database), eraser, settings.retention_days, dry_run=args.dry_run
            )
        finally:
            await engine_client.aclose()
            await database.dispose()
        return str(report)

    verb = "would purge" if args.dry_run else "purged"
    print(f"older than {settings.retention_days} days (RETENTION_DAYS): {verb} {asyncio.run(run())}")
    return 0


def engine_endpoints(settings: Settings) -> int:
    import yaml

    from bot.infra.engine_endpoints import engine_endpoints as completed

    try:
        print(yaml.safe_dump(completed(settings), sort_keys=False), end="")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def run(settings: Settings) -> int:
    from bot.stack import run_stack

    return run_stack(settings)


def advisor_add(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio
    import getpass

    from bot.domain.advisors import create_advisor
    from bot.domain.models import AdvisorRole
    from bot.infra.db import create_database_engine, create_session_factory, upgrade_database
    from bot.infra.errors import AppError

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")

    async def add() -> None:
        engine = create_database_engine(settings.database_url)
        try:
            async with create_session_factory(engine)() as session:
                await create_advisor(
                    session,
                    email=args.email,
                    name=args.name,
                    password=password,
                    role=AdvisorRole(args.role),
                    languages=[code.strip() for code in args.languages.split(",") if code.strip()],
                )
        finally:
            await engine.dispose()

    upgrade_database(settings.database_url)
    try:
        asyncio.run(add())
    except AppError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    print(f"advisor {args.email} ({args.role}) created; log in at {settings.public_url}/console")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Glückauf service")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="migrate, start engine and service, wait until ready, print the URLs")
    commands.add_parser("migrate", help="apply database migrations")
    purge_command = commands.add_parser("purge", help="delete data older than RETENTION_DAYS (the service does it too)")
    purge_command.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    commands.add_parser("kb-check", help="validate knowledge/ (schema, languages, sources, contacts, age)")
    commands.add_parser("kb-index", help="build the knowledge matcher (cached; make train runs it)")
    commands.add_parser(
        "engine-endpoints", help="print the engine's endpoints file (with the shared tracker and lock stores if set)"
    )
    advisor = commands.add_parser("advisor", help="manage advisor accounts").add_subparsers(
        dest="action", required=True
    )
    add = advisor.add_parser("add", help="create an advisor (asks for the password)")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=["advisor", "admin", "partner"], default="advisor")
    add.add_argument("--languages", default="de", help="comma-separated codes the advisor speaks, e.g. de,en,tr")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "advisor":
        return advisor_add(settings, args)
    if args.command == "purge":
        return purge(settings, args)
    commands_by_name = {
        "run": run,
        "migrate": migrate,
        "kb-check": kb_check,
        "kb-index": kb_index,
        "engine-endpoints": engine_endpoints,
    }
    return commands_by_name[args.command](settings)


if __name__ == "__main__":
    sys.exit(main())
