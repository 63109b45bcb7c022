"""The ``conflict-events`` command. Errors are translated here, once, into a one-line reason."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from pipeline import query, report
from pipeline.errors import PipelineError


def _settings(args: argparse.Namespace):
    from pipeline.settings import load_settings

    settings = load_settings(Path(args.config) if getattr(args, "config", None) else None)
    return settings.with_overrides(geocoder=getattr(args, "geocoder", None), staging_dir=getattr(args, "staging", None))


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.batch import default_workers, run_batch
    from pipeline.progress import ProgressLine
    from pipeline.summary import format_summary, summarise_partition

    settings = _settings(args)
    line = None if args.quiet else ProgressLine()
    try:
        result = run_batch(
            args.input, args.out, settings, batch=args.batch, run_id=args.run_id,
            workers=args.workers or default_workers(), progress=line,
        )
    finally:
        if line is not None:
            line.close()
    if not args.no_report:
        from pipeline.report import write_report

        write_report(args.out, result["run_id"], result["batch"], None, storage_options=settings.storage_options)
    print(format_summary(summarise_partition(args.out, result["batch"], storage_options=settings.storage_options)))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from pipeline.evaluate import evaluate_gold, format_metrics

    metrics = evaluate_gold(Path(args.gold), out=Path(args.out) if args.out else None, settings=_settings(args))
    print(json.dumps(metrics, indent=2, default=str) if args.json else format_metrics(metrics))
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from pipeline.summary import format_summary, read_partition, summarise_partition

    out, options = args.out, _settings(args).storage_options  # out: a folder or a URL (s3://...)
    if not read_partition(out, "runs", args.batch, ["run_id"], storage_options=options):
        raise PipelineError(f"no published batch {args.batch!r} under {out}")
    print(format_summary(summarise_partition(out, args.batch, storage_options=options)))
    return 0


def cmd_schemas(args: argparse.Namespace) -> int:
    from pipeline.schemas import TABLES, schema_as_json, write_schema_files

    folder = Path(args.folder)
    if args.write:
        for path in write_schema_files(folder):
            print(path)
        return 0
    stale = [
        name for name in TABLES
        if not (folder / f"{name}.json").exists()
        or json.loads((folder / f"{name}.json").read_text(encoding="utf-8")) != schema_as_json(name)
    ]
    if stale:
        raise PipelineError(f"schema files out of date for: {', '.join(stale)} (run: conflict-events schemas --write)")
    print(f"{len(TABLES)} schema files match the code")
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="conflict-events", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="ingest, extract, geocode, validate and write one batch")
    run.add_argument("--input", nargs="+", required=True, metavar="PATH", help="files or folders (recursive)")
    run.add_argument("--out", required=True, metavar="DIR",
                     help="warehouse folder, or an fsspec URL such as s3://bucket/prefix")
    run.add_argument("--staging", metavar="DIR",
                     help="local folder for the run's work files (default OUT/_staging, or the temp dir for a URL)")
    run.add_argument("--batch", help="partition to replace (default: derived from the input paths)")
    run.add_argument("--run-id", help="run id (default: a new one)")
    run.add_argument("--config", help="settings TOML file")
    run.add_argument("--geocoder", help="offline (default), nominatim, photon or another geopy service")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    run.add_argument("-j", "--workers", type=_positive_int, metavar="N",
                     help="processes that ingest and analyse chunks (default: the usable CPUs; 1 = this one)")
    run.add_argument("--no-report", action="store_true", help="skip the HTML run report (OUT/_reports/<run_id>.html)")
    run.set_defaults(func=cmd_run)

    ev = sub.add_parser("evaluate", help="score the pipeline on a gold JSONL file (see ../shared/eval/SCORING.md)")
    ev.add_argument("--gold", required=True, metavar="FILE.jsonl")
    ev.add_argument("--out", metavar="DIR", help="keep the tables here (default: a temporary folder)")
    ev.add_argument("--json", action="store_true", help="print JSON")
    ev.add_argument("--config", help="settings TOML file")
    ev.set_defaults(func=cmd_evaluate)

    sm = sub.add_parser("summary", help="describe a published batch")
    sm.add_argument("--out", required=True, metavar="DIR", help="warehouse folder or URL")
    sm.add_argument("--batch", required=True)
    sm.set_defaults(func=cmd_summary)

    sc = sub.add_parser("schemas", help="check (default) or --write schemas/<table>.json from the code")
    sc.add_argument("--folder", default="schemas")
    sc.add_argument("--write", action="store_true")
    sc.set_defaults(func=cmd_schemas)
    # query and report keep their subcommands beside their code; both import lazily.
    query.register(sub)
    report.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    try:
        return args.func(args)
    except PipelineError as err:
        print(f"conflict-events: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("conflict-events: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
