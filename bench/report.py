"""A results document as markdown tables (printed by bench.run, pasted into the README)."""

from __future__ import annotations

STAGES = ("ingest", "analyse", "validate", "write", "total")
SPLIT = ("dates", "geocode", "extract", "extract_with_dates")


def _rate(m: dict | None) -> str:
    if not m or m.get("articles_per_s") is None:
        return "–"
    return f"{m['articles_per_s']:,.0f} ({m['mb_per_s']:.2f})"


def format_markdown(doc: dict) -> str:
    mach = doc.get("machine", {})
    lines = [
        f"Machine: {mach.get('cpu_model')}, {mach.get('cores')} cores, {mach.get('ram_gb')} GB RAM, Python "
        f"{mach.get('python')}, commit {mach.get('git_commit')}, load average at start {mach.get('loadavg_at_start')}.",
        "",
        "**Per stage, one core** — articles/s (MB/s of article text), median of runs:",
        "",
        "| articles | runs | ingest | dates | geocode | extract | analyse (dates+geocode+extract) | validate | write | all stages |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    sizes = sorted(doc.get("sizes", {}), key=int)
    for size in sizes:
        st = doc["sizes"][size].get("stages") or {}
        med, split = st.get("median") or {}, st.get("split_median") or {}
        if not med:
            continue
        lines.append(f"| {int(size):,} | {len(st.get('runs', []))} | {_rate(med.get('ingest'))} | {_rate(split.get('dates'))} | "
                     f"{_rate(split.get('geocode'))} | {_rate(split.get('extract'))} | {_rate(med.get('analyse'))} | "
                     f"{_rate(med.get('validate'))} | {_rate(med.get('write'))} | {_rate(med.get('total'))} |")
    lines += [
        "",
        "**End to end, `conflict-events run`** — wall time, articles/s, MB/s, peak RSS (largest process), median of runs:",
        "",
        "| articles | variant | runs | wall | articles/s | MB/s | s per 1k articles | CPU s per 1k | peak RSS |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        for variant, m in (doc["sizes"][size].get("e2e") or {}).items():
            label = variant + (" (start-up cost)" if int(size) < 1000 else "")
            lines.append(f"| {int(size):,} | {label} | {len(m['runs'])} | {m['wall_s']:.1f} s | {m['articles_per_s']:,.0f} | "
                         f"{m['mb_per_s']:.2f} | {m['s_per_1k_articles']:.1f} | {m['cpu_s_per_1k_articles']:.1f} | {m['max_rss_mb']:,.0f} MB |")
    dag = doc.get("dag")
    if dag and dag.get("runs"):
        lines += ["", f"**Airflow DAG** (`airflow dags test`, SQLite, {dag['size']:,} articles, {len(dag['runs'])} runs): "
                      f"{dag['wall_s']:.0f} s median, {dag['articles_per_s']:.0f} articles/s, peak RSS {dag['max_rss_mb']:,.0f} MB."]
    comp = doc.get("competitors") or {}
    if comp:
        lines += ["", "**Against other libraries** (same documents, SCORING.md metrics):", "",
                  "| task | set | tool | docs/s | recall | precision | value acc. / acc@161 km |", "|---|---|---|---:|---:|---:|---:|"]
        if "dates" in comp:
            d = comp["dates"]
            for tool in ("ours", "search_dates"):
                m = d[tool]
                lines.append(f"| dates | tempeval3-tbaq ({m['docs']}) | {tool} | {m['docs_per_s']:,.0f} | {m['recall']:.3f} | "
                             f"{m['precision']:.3f} | {m['value_accuracy']:.3f} |")
        if "toponyms" in comp:
            t = comp["toponyms"]
            for tool in ("ours", "geotext"):
                m = t[tool]
                acc = "n/a" if m["acc_161km"] is None else f"{m['acc_161km']:.3f}"
                lines.append(f"| toponyms | lgl ({m['docs']}) | {tool} | {m['docs_per_s']:,.0f} | {m['recall']:.3f} | {m['precision']:.3f} | {acc} |")
            if "ours_recognition_only" in t:
                m = t["ours_recognition_only"]
                lines.append(f"| toponyms | lgl ({m['docs']}) | ours, recognition only | {m['docs_per_s']:,.0f} | – | – | – |")
    if doc.get("targets"):
        lines += ["", "**Targets:**", "", "| target | verdict | measured |", "|---|---|---|"]
        lines += [f"| {t['target']} | {t['verdict']} | {t['value'] or '–'} |" for t in doc["targets"]]
    prof = doc.get("profile")
    if prof:
        lines += ["", f"**Profile** of the per-article analysis (pyinstrument, {prof['articles']} articles; own time, "
                      "C calls charged to their Python caller):", ""]
        lines += [f"- {p['share']:.0%} {p['function']}" for p in prof["top_own_time"][:10]]
        regex = sum(p["share"] for p in prof.get("top_builtin_time", []) if p["function"].startswith("Pattern."))
        lines.append(f"- (of all time, {regex:.0%} is inside compiled regex calls)")
    return "\n".join(lines)


if __name__ == "__main__":
    # Re-check the targets of a results file and print its tables: python -m bench.report results/X.json
    import json
    import sys
    from pathlib import Path

    from bench.targets import check_targets

    path = Path(sys.argv[1])
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["targets"] = check_targets(doc)
    print(format_markdown(doc))
