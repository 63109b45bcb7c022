"""The benchmark's own logic (bench/): corpora are deterministic and never plain copies; targets are
judged from the numbers, not asserted. The benchmark itself runs with `make bench`, not here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.corpora import Source, ensure_corpus, make_article, read_manifest
from bench.report import format_markdown
from bench.targets import check_targets

SOURCES = [
    Source(f"src-{i}", f"Title {i}", tuple(f"Sentence {j} of article {i}." for j in range(6))) for i in range(5)
]


def test_article_k_is_the_same_in_every_corpus_and_made_of_three_thirds():
    a, again = make_article(7, SOURCES), make_article(7, SOURCES)
    assert a == again and a["doc_id"] == "bench-000007"
    assert len(a["labels"]["from"]) == 3
    assert a["text"].startswith("Sentence 0 of")  # the first third of its first source: lead included
    many = [make_article(k, SOURCES) for k in range(100)]
    assert len({m["text"] for m in many}) > 50  # mixed from 5 sources: rarely the same three thirds
    assert len({m["published_at"][-6:] for m in many}) > 3  # several UTC offsets


def test_a_smaller_corpus_is_a_prefix_of_a_larger_one_and_a_complete_one_is_reused(tmp_path):
    small = ensure_corpus(tmp_path / "a", 150, sources=SOURCES)
    large = ensure_corpus(tmp_path / "b", 250, sources=SOURCES)
    assert small["files"] == ["part-00000.jsonl", "part-00001.jsonl"] and len(large["files"]) == 3
    first = (tmp_path / "a" / "150" / "part-00000.jsonl").read_text(encoding="utf-8")
    assert first == (tmp_path / "b" / "250" / "part-00000.jsonl").read_text(encoding="utf-8")
    ids = [json.loads(line)["doc_id"] for line in first.splitlines()]
    assert len(ids) == len(set(ids)) == 100
    # Reused, not rebuilt, while its recipe is unchanged; a half-built one (no manifest) is redone.
    assert ensure_corpus(tmp_path / "a", 150, sources=[]) == small
    (tmp_path / "a" / "150" / "manifest.json").unlink()
    assert ensure_corpus(tmp_path / "a", 150, sources=SOURCES) == small
    assert read_manifest(tmp_path / "a" / "150") == small


def _results(analyse_rate: float, wall_100k: float, rss: float) -> dict:
    def e2e(wall, cpu):
        return {"1proc_1core": {"wall_s": wall, "cpu_s": cpu, "max_rss_mb": rss, "code": "x"},
                "2proc_2cores": {"wall_s": wall / 2, "cpu_s": cpu, "max_rss_mb": rss, "code": "x"}}

    return {
        "sizes": {
            "1000": {"stages": {"median": {"analyse": {"articles_per_s": analyse_rate, "articles_per_cpu_s": analyse_rate}}},
                     "e2e": e2e(wall_100k / 50, wall_100k / 50)},
            "100000": {"e2e": e2e(wall_100k * 2, wall_100k * 2)},  # one core: twice two processes' time
        },
        "competitors": {
            "dates": {"speed_ratio": 12.0, "ours": {"value_accuracy": 0.9}, "search_dates": {"value_accuracy": 0.6}},
            "toponyms": {"speed_ratio": 0.5, "ours": {"recall": 0.8, "precision": 0.8},
                         "geotext": {"recall": 0.4, "precision": 0.7}},
        },
    }


def test_targets_are_judged_from_the_numbers():
    verdicts = {t["target"].split(" ")[0]: t["verdict"] for t in check_targets(_results(600, 250, 1500))}
    assert verdicts["extract+dates+geocode"] == "pass"
    assert verdicts["conflict-events"] == "pass"  # 100k in 250 s on two processes, 1.5 GB
    assert verdicts["cost"] == "pass"
    assert verdicts["dates"] == "pass"
    assert verdicts["toponyms"] == "fail (faster)"
    slow = _results(90, 900, 2600)
    slow["sizes"]["100000"]["e2e"]["1proc_1core"]["cpu_s"] *= 1.5  # an article costs more in a big batch
    verdicts = {t["target"].split(" ")[0]: t["verdict"] for t in check_targets(slow)}
    assert verdicts["extract+dates+geocode"] == "fail" and verdicts["conflict-events"] == "fail"
    assert verdicts["cost"] == "fail"


def test_the_committed_results_still_read_and_render():
    results = sorted((Path(__file__).resolve().parents[1] / "bench" / "results").glob("*.json"))
    if not results:
        pytest.skip("no bench/results/*.json committed yet")
    doc = json.loads(results[-1].read_text(encoding="utf-8"))
    assert len(check_targets(doc)) == 5
    assert "|" in format_markdown(doc)


def test_toponym_target_reports_the_recogniser_alone_beside_find_places():
    # geotext only finds names; find_places also geocodes. The verdict stays on find_places (strict),
    # and the like-for-like ratio of the recogniser alone is shown with it.
    results = _results(600, 250, 1500)
    results["competitors"]["toponyms"]["speed_ratio_recognition_only"] = 0.25
    topo = next(t for t in check_targets(results) if t["target"].startswith("toponyms"))
    assert topo["verdict"] == "fail (faster)"
    assert "2.0x slower than geotext (recognition alone 4.0x slower)" in topo["value"]


def test_two_process_variant_is_skipped_when_the_corpus_has_one_file(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from bench import corpora, endtoend, run

    ensure_corpus(tmp_path, 10, sources=SOURCES)
    called = []
    monkeypatch.setattr(endtoend, "run_cli", lambda *a, **k: called.append(a[-1]) or {"wall_s": 1.0, "max_rss_mb": 1.0})
    monkeypatch.setattr(run, "_e2e_summary", lambda done, manifest: {"runs": done})
    rec = run.Recorder(tmp_path / "r.json", {"sizes": {"10": {}}})
    monkeypatch.setattr(rec, "save", lambda: None)
    args = SimpleNamespace(corpora=tmp_path, variant_list=["1proc_1core", "2proc_2cores"])
    run.measure_e2e(10, 1, {}, args, rec, run.Deadline(None))
    assert len(corpora.corpus_files(tmp_path, 10)) == 1
    assert called == ["1proc_1core"]  # two processes would leave one with no input at all
    assert "2proc_2cores" not in rec.doc["sizes"]["10"]["e2e"]


def test_flat_cost_explains_itself_with_the_fresh_process_blocks():
    results = _results(600, 250, 1500)
    assert "fresh process" not in next(t for t in check_targets(results) if t["target"].startswith("cost"))["value"]
    results["sizes"]["10000"] = {"warmup": {"block": 1000, "startup_cpu_s": 0.8, "block_cpu_s": [3.2, 2.8, 2.4],
                                            "unseen": {"articles": 1204, "mean_chars": 1699, "unseen_ms_per_article": 3.2,
                                                       "seen_ms_per_article": 2.6, "unseen_articles_per_cpu_s": 312.5}}}
    targets = check_targets(results)
    cost = next(t for t in targets if t["target"].startswith("cost"))
    assert "(10,000-article corpus): 3.20 CPU-s for its first 1,000 articles, 2.40 for its last (x1.33" in cost["value"]
    analyse = next(t for t in targets if t["target"].startswith("extract"))
    assert "on never-seen articles" in analyse["value"] and "312 per CPU-second, 3.20 ms each (2.60 when" in analyse["value"]


def test_warmup_times_start_up_apart_and_every_whole_block(tmp_path):
    from datetime import datetime, timezone

    from bench.warmup import time_blocks

    text = "Shelling killed two people in Donetsk on Monday, officials said."
    articles = [(text, datetime(2024, 3, 5, tzinfo=timezone.utc))] * 7
    result = time_blocks(articles, 3)
    assert result["block"] == 3 and len(result["block_cpu_s"]) == 2  # the seventh article is no whole block
    assert result["startup_cpu_s"] >= 0 and all(b >= 0 for b in result["block_cpu_s"])


def test_unseen_times_a_first_and_a_second_pass_after_warming_on_other_text():
    from datetime import datetime, timezone

    from bench.warmup import time_unseen

    when = datetime(2024, 3, 5, tzinfo=timezone.utc)
    warm = [("Fighting was reported near Goma on Friday.", when)]
    articles = [("Shelling killed two people in Donetsk on Monday, officials said.", when)] * 2
    result = time_unseen(warm, articles)
    assert result["warm_docs"] == 1 and result["articles"] == 2
    assert result["unseen_ms_per_article"] >= 0 and result["seen_ms_per_article"] >= 0


def test_small_sizes_get_more_runs_and_the_largest_fewer():
    from argparse import Namespace

    from bench.run import _runs_for

    args = Namespace(runs=2, runs_small=5, runs_large=1, quick=False)
    assert [_runs_for(s, args) for s in (10, 1000, 10_000, 100_000)] == [5, 5, 2, 1]
    assert _runs_for(1000, Namespace(runs=1, runs_small=5, runs_large=1, quick=True)) == 1  # a smoke test stays short
    assert _runs_for(1000, Namespace(runs=7, runs_small=5, runs_large=1, quick=False)) == 7
