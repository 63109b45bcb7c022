"""Benchmark the pipeline (issue 8): per-stage and end-to-end throughput, memory, the DAG, and our date
and toponym recognisers against dateparser's search_dates and geotext. Results go to
``bench/results/<YYYY-MM-DD>.json``; a markdown summary is printed.

    .venv/bin/python -m bench.run                       # 1k, 10k, 100k; 3 runs (1 at 100k)
    .venv/bin/python -m bench.run --sizes 1000,10000 --runs 2
    .venv/bin/python -m bench.run --quick               # smoke: 1k, one run, small samples
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench import competitors, corpora, endtoend
from bench.machine import machine_info
from bench.measure import run_children, tail
from bench.profile import profile_analysis
from bench.report import format_markdown
from bench.targets import check_targets

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work"
SNAPSHOT = WORK / "snapshot"
SNAPSHOT_ENV = "BENCH_SNAPSHOT"


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1000,10000,100000", help="corpus sizes, comma-separated")
    p.add_argument("--runs", type=int, default=3, help="runs per measurement (medians are reported)")
    p.add_argument("--runs-large", type=int, default=1, help="runs per measurement for sizes of 100k and more")
    p.add_argument("--runs-small", type=int, default=5,
                   help="at least this many runs for sizes under 10k: seconds each, and the flat-cost ratio takes "
                        "the difference of two of them, so their noise counts most")
    p.add_argument("--quick", action="store_true", help="smoke test: 1k articles, one run, small samples")
    p.add_argument("--variants", default=",".join(endtoend.VARIANTS), help="end-to-end variants: " + ", ".join(endtoend.VARIANTS))
    p.add_argument("--split-sample", type=int, default=2000, help="articles for the dates/geocode/extract split")
    p.add_argument("--dag-size", type=int, default=10000, help="corpus the Airflow DAG runs on (0: skip)")
    p.add_argument("--dag-runs", type=int, default=None, help="DAG runs (default: --runs)")
    p.add_argument("--profile-articles", type=int, default=500, help="articles in the profile (0: skip)")
    p.add_argument("--skip", default="", help="parts to skip: stages, e2e, dag, competitors, profile")
    p.add_argument("--deadline", help="UTC HH:MM after which no new measurement starts (partial results are kept)")
    p.add_argument("--output", type=Path, help="results file (default bench/results/<UTC date>.json)")
    p.add_argument("--corpora", type=Path, default=BENCH / "corpora")
    p.add_argument("--merge", action="store_true", help="add to an existing results file instead of replacing it")
    p.add_argument("--snapshot", action="store_true",
                   help="measure a frozen copy of pipeline/ and dags/ taken at the start, so edits made while the "
                        "bench runs cannot mix two versions of the code into one set of numbers")
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.runs, args.runs_large = "1000", 1, 1
        args.split_sample, args.profile_articles, args.dag_size = 200, 100, 1000
    args.size_list = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.variant_list = [v for v in args.variants.split(",") if v]
    unknown = set(args.variant_list) - set(endtoend.VARIANTS)
    if unknown:
        p.error(f"unknown variants: {', '.join(sorted(unknown))}")
    args.skip_set = {s for s in args.skip.split(",") if s}
    return args


class Deadline:
    """Stop starting measurements after a wall-clock time; what was measured is still written."""

    def __init__(self, hhmm: str | None) -> None:
        self.at = None
        if hhmm:
            now = datetime.now(timezone.utc)
            h, m = (int(x) for x in hhmm.split(":"))
            self.at = now.replace(hour=h, minute=m, second=0, microsecond=0)
            if self.at < now - timedelta(hours=12):
                self.at += timedelta(days=1)

    def passed(self) -> bool:
        return self.at is not None and datetime.now(timezone.utc) >= self.at


def _runs_for(size: int, args) -> int:
    if size >= 100_000:
        return args.runs_large
    return max(args.runs, args.runs_small) if size < 10_000 and not args.quick else args.runs


def _median_tree(runs: list[dict]) -> dict:
    """Median of every numeric leaf across runs of the same shape (peak memory: the maximum)."""
    out: dict = {}
    for key, first in runs[0].items():
        values = [r[key] for r in runs if key in r]
        if isinstance(first, dict):
            out[key] = _median_tree(values)
        elif isinstance(first, (int, float)) and not isinstance(first, bool):
            out[key] = max(values) if "rss" in key else round(statistics.median(values), 4)
        else:
            out[key] = first
    return out


class Recorder:
    """The results document, rewritten atomically after every measurement so a stop loses nothing."""

    def __init__(self, path: Path, doc: dict) -> None:
        self.path, self.doc = path, doc

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.doc["targets"] = check_targets(self.doc)
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.doc, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)


def _log(msg: str) -> None:
    print(f"[{datetime.now(timezone.utc):%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def measure_stages(size: int, runs: int, args, rec: Recorder, deadline: Deadline) -> None:
    entry = rec.doc["sizes"][str(size)].setdefault("stages", {"runs": []})
    for i in range(runs):
        if deadline.passed():
            entry["skipped_runs"] = runs - i
            return
        result = WORK / f"stages-{size}-{i}.json"
        log = WORK / f"stages-{size}-{i}.log"
        argv = [sys.executable, "-m", "bench.stages", "--corpus", str(corpora.corpus_dir(args.corpora, size)),
                "--work", str(WORK / f"stages-{size}"), "--result", str(result), "--split-sample", str(args.split_sample)]
        wall, (child,) = run_children([(argv, log, {0})], cwd=REPO)  # pinned: per-stage numbers are one core's
        if child.returncode != 0:
            raise endtoend.BenchError(f"bench.stages failed ({log}):\n{tail(log)}")
        data = json.loads(result.read_text(encoding="utf-8"))
        data["code"] = code_id()
        data["process"] = {"wall_s": round(wall, 3), "cpu_s": round(child.cpu_s, 3), "max_rss_mb": round(child.max_rss_mb, 1),
                           "loadavg_1min_after": round(os.getloadavg()[0], 2)}
        entry["runs"].append(data)
        entry["median"] = _median_tree([r["stages"] for r in entry["runs"]])
        entry["split_median"] = _median_tree([r["split"] for r in entry["runs"]])
        rec.save()
        _log(f"stages {size} run {i + 1}/{runs}: analyse {data['stages']['analyse']['articles_per_s']} art/s, "
             f"total {data['stages']['total']['seconds']} s")


def measure_warmup(size: int, args, rec: Recorder, deadline: Deadline) -> None:
    """Analysis CPU per 1,000 articles in a fresh process, once per size of at least 2,000 articles."""
    if size < 2000 or deadline.passed():
        return
    data = _warmup_child(["--corpus", str(corpora.corpus_dir(args.corpora, size))], f"warmup-{size}")
    data["unseen"] = _warmup_child(["--unseen"], f"unseen-{size}")
    rec.doc["sizes"][str(size)]["warmup"] = data
    rec.save()
    _log(f"warmup {size}: first block {data['block_cpu_s'][0]} s, last {data['block_cpu_s'][-1]} s CPU; "
         f"never-seen articles {data['unseen']['unseen_ms_per_article']} ms each")


def _warmup_child(options: list[str], name: str) -> dict:
    result, log = WORK / f"{name}.json", WORK / f"{name}.log"
    argv = [sys.executable, "-m", "bench.warmup", *options, "--result", str(result)]
    _, (child,) = run_children([(argv, log, {0})], cwd=REPO)
    if child.returncode != 0:
        raise endtoend.BenchError(f"bench.warmup failed ({log}):\n{tail(log)}")
    data = json.loads(result.read_text(encoding="utf-8"))
    data["code"] = code_id()
    return data


def measure_e2e(size: int, runs: int, manifest: dict, args, rec: Recorder, deadline: Deadline) -> None:
    files = corpora.corpus_files(args.corpora, size)
    e2e = rec.doc["sizes"][str(size)].setdefault("e2e", {})
    for variant in args.variant_list:
        if endtoend.VARIANTS[variant][0] > len(files):
            # Processes split the input files between them: a one-file corpus leaves one with nothing.
            _log(f"e2e {size} {variant}: skipped, {len(files)} input file(s) for {endtoend.VARIANTS[variant][0]} processes")
            continue
        done = []
        for i in range(runs):
            if deadline.passed():
                break
            done.append(endtoend.run_cli(REPO, files, WORK / f"e2e-{size}-{variant}", variant))
            _log(f"e2e {size} {variant} run {i + 1}/{runs}: {done[-1]['wall_s']} s, {done[-1]['max_rss_mb']} MB")
            e2e[variant] = _e2e_summary(done, manifest)
            rec.save()


def code_id() -> str:
    """Which code a measurement ran: the snapshot's hash, or the commit plus a hash of uncommitted edits."""
    if os.environ.get(SNAPSHOT_ENV):
        return "snapshot:" + os.environ[SNAPSHOT_ENV]
    from bench.machine import _git_commit, _working_tree

    tree = _working_tree(REPO) or {}
    return f"{_git_commit(REPO)}:{tree.get('diff_sha256')}"


def _e2e_summary(runs: list[dict], manifest: dict) -> dict:
    wall = statistics.median(r["wall_s"] for r in runs)
    cpu = statistics.median(r["cpu_s"] for r in runs)
    n = manifest["size"]
    return {
        "code": code_id(),
        "runs": runs,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "articles_per_s": round(n / wall, 2),
        "mb_per_s": round(manifest["text_bytes"] / 1e6 / wall, 3),
        "s_per_1k_articles": round(wall / n * 1000, 3),
        "cpu_s_per_1k_articles": round(cpu / n * 1000, 3),
        "max_rss_mb": max(r["max_rss_mb"] for r in runs),
    }


def measure_dag(args, rec: Recorder, deadline: Deadline) -> None:
    size = args.dag_size
    manifest = corpora.ensure_corpus(args.corpora, size)
    home = BENCH / ".airflow"
    if deadline.passed():
        return
    _log("airflow db migrate (untimed)")
    endtoend.prepare_airflow(REPO, home)
    runs = []
    entry = rec.doc.setdefault("dag", {"size": size})
    base = datetime(2024, 6, 1) + timedelta(days=int(time.time()) % 3000)  # a fresh logical date per run
    for i in range(args.dag_runs or args.runs):
        if deadline.passed():
            break
        day = (base + timedelta(days=i)).strftime("%Y-%m-%d")
        runs.append(endtoend.run_dag(REPO, corpora.corpus_dir(args.corpora, size), home, WORK / f"dag-{size}", day))
        _log(f"dag {size} run {i + 1}: {runs[-1]['wall_s']} s")
        entry.update(_e2e_summary(runs, manifest))
        rec.save()


def take_snapshot(dest: Path) -> str:
    """Copy pipeline/ and dags/ to ``dest`` (data/ linked: the gazetteer is found next to the package);
    returns a hash of the copied files."""
    import hashlib
    import shutil

    shutil.rmtree(dest, ignore_errors=True)
    for name in ("pipeline", "dags"):
        shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (dest / "data").symlink_to(REPO / "data")
    digest = hashlib.sha256()
    for path in sorted(p for name in ("pipeline", "dags") for p in (dest / name).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(dest)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _reexec_on_snapshot(argv: list[str] | None) -> None:
    """Run this very command again with the snapshot first on the path, for it and every child.
    PYTHONSAFEPATH keeps ``python -m`` from putting the working tree's pipeline/ ahead of it."""
    digest = take_snapshot(SNAPSHOT)
    env = dict(os.environ, PYTHONSAFEPATH="1", PYTHONPATH=os.pathsep.join([str(SNAPSHOT), str(REPO)]),
               **{SNAPSHOT_ENV: digest})
    os.execve(sys.executable, [sys.executable, "-m", "bench.run", *(sys.argv[1:] if argv is None else argv)], env)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.snapshot and not os.environ.get(SNAPSHOT_ENV):
        _reexec_on_snapshot(argv)
    deadline = Deadline(args.deadline)
    started = datetime.now(timezone.utc)
    path = args.output or BENCH / "results" / f"{started:%Y-%m-%d}.json"
    rec = Recorder(path, {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine_info(REPO),
        "options": {k: v for k, v in vars(args).items() if k in ("sizes", "runs", "runs_large", "runs_small", "variants", "split_sample",
                                                                   "dag_size", "dag_runs", "profile_articles", "skip", "quick")},
        "notes": [
            "conflict-events run has no parallelism across cores: chunks run one after another in one process "
            "(pipeline/batch.py). 1proc_1core pins that process to one core; 1proc_2cores leaves it unpinned; "
            "2proc_2cores runs two processes on the two halves of the input files, each into its own warehouse.",
            "Per-stage numbers come from pipeline.stages functions in one process pinned to one core; MB/s is "
            "UTF-8 article text. The dates/geocode/extract split times resolve_dates, find_places and "
            "extract_events on a sample of the same articles.",
            "Corpora: article k = first third of one real article + middle third of a second + last third of a "
            "third (fakes.jsonl, gvdb-dev.jsonl), with its own id and publication date; see bench/corpora.py.",
        ],
        "sizes": {},
    })
    if os.environ.get(SNAPSHOT_ENV):
        import pipeline

        rec.doc["machine"]["code_snapshot"] = {"sha256": os.environ[SNAPSHOT_ENV], "path": str(Path(pipeline.__file__).parent)}
    if args.merge and path.exists():
        # Keep what an earlier invocation measured; sections measured now replace theirs.
        old = json.loads(path.read_text(encoding="utf-8"))
        rec.doc["sizes"] = old.get("sizes", {})
        for key in ("dag", "competitors", "profile"):
            if key in old:
                rec.doc[key] = old[key]
        rec.doc["earlier_invocations"] = old.get("earlier_invocations", []) + [
            {k: old.get(k) for k in ("started_at", "finished_at", "options")}]
        rec.doc["machine"]["loadavg_at_start_earlier"] = old["machine"].get("loadavg_at_start")
    WORK.mkdir(parents=True, exist_ok=True)
    try:
        for size in args.size_list:
            if deadline.passed():
                break
            _log(f"corpus {size}")
            manifest = corpora.ensure_corpus(args.corpora, size)
            entry = rec.doc["sizes"].setdefault(str(size), {})
            entry["corpus"] = {k: v for k, v in manifest.items() if k != "files"}
            # Measured again now: earlier numbers for this size (stages) or these variants (e2e) go.
            if "stages" not in args.skip_set:
                entry.pop("stages", None)
                entry.pop("warmup", None)
            if "e2e" not in args.skip_set:
                for variant in args.variant_list:
                    entry.get("e2e", {}).pop(variant, None)
            runs = _runs_for(size, args)
            if "stages" not in args.skip_set:
                measure_stages(size, runs, args, rec, deadline)
                measure_warmup(size, args, rec, deadline)
            if "e2e" not in args.skip_set:
                measure_e2e(size, runs, manifest, args, rec, deadline)
        if "dag" not in args.skip_set and args.dag_size:
            measure_dag(args, rec, deadline)
        if "competitors" not in args.skip_set and not deadline.passed():
            _log("competitors")
            rec.doc["competitors"] = competitors.compare_all(args.runs)
            rec.save()
        if "profile" not in args.skip_set and args.profile_articles and not deadline.passed():
            _log("profile")
            # The smallest corpus that holds the profile's articles: a 10-article start-up corpus would
            # profile rule loading, not analysis.
            size = min((s for s in args.size_list if s >= args.profile_articles), default=max(args.size_list))
            corpora.ensure_corpus(args.corpora, size)
            rec.doc["profile"] = profile_analysis(args.corpora, size, args.profile_articles, WORK / "profile.html")
            rec.save()
    finally:
        rec.doc["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        if deadline.passed():
            rec.doc["stopped_by_deadline"] = args.deadline
        rec.save()
        _log(f"results: {path}")
    print(format_markdown(rec.doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
