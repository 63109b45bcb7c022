"""``run_batch`` with a pool of workers publishes exactly what one process publishes, and a chunk that
fails in a worker surfaces as a PipelineError naming it instead of a hang."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import batch as batch_module
from pipeline import stages
from pipeline.batch import run_batch
from pipeline.errors import PipelineError
from pipeline.pool import run_chunks
from pipeline.schemas import TABLES
from pipeline.settings import load_settings
from tests.conftest import DEV, require_shared
from tests.published_rows import normalised



@pytest.fixture(scope="module")
def settings():
    return load_settings(environ={})


def _inputs(folder: Path) -> Path:
    """Nine small JSONL files: real-news articles, one exact copy in a later file (a duplicate across
    chunks, which only the merge can see) and one empty record (quarantined at ingest)."""
    from bench.corpora import make_article, read_sources

    require_shared(DEV / "fakes.jsonl")
    sources = read_sources()
    folder.mkdir(parents=True)
    articles = [make_article(k, sources) for k in range(40)]
    for n in range(8):
        lines = [json.dumps(a) for a in articles[n * 5:(n + 1) * 5]]
        (folder / f"part-{n}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    copy = dict(articles[2], doc_id="copy-of-2")
    empty = dict(articles[3], doc_id="empty", text="")
    (folder / "part-8.jsonl").write_text(json.dumps(copy) + "\n" + json.dumps(empty) + "\n", encoding="utf-8")
    return folder


def _published(out: Path, batch: str) -> dict[str, list[str]]:
    """Every table's rows of one partition, comparable across runs."""
    tables = {}
    for name in TABLES:
        folder = out / name / f"batch={batch}"
        tables[name] = pq.read_table(folder).to_pylist() if folder.exists() else []
    return normalised(tables)


def test_two_workers_publish_the_same_rows_as_one(tmp_path, settings, monkeypatch):
    # The inputs are tiny: let them go to the pool anyway.
    monkeypatch.setattr(batch_module, "PARALLEL_MIN_BYTES", 0)
    inputs = _inputs(tmp_path / "in")
    one = run_batch([str(inputs)], tmp_path / "one", settings, batch="day", workers=1)
    two = run_batch([str(inputs)], tmp_path / "two", settings, batch="day", workers=2)
    assert one["duplicates"] == 1 and one["records_quarantined"] == 1
    assert _published(tmp_path / "one", "day") == _published(tmp_path / "two", "day")


def test_progress_counts_every_file_and_article(tmp_path, settings, monkeypatch):
    monkeypatch.setattr(batch_module, "PARALLEL_MIN_BYTES", 0)
    seen = []
    run = run_batch([str(_inputs(tmp_path / "in"))], tmp_path / "out", settings, batch="day", workers=2,
                    progress=seen.append)
    analysed = [p for p in seen if p.phase == "analyse"]
    assert analysed[0].files_done == 0 and analysed[-1].files_done == analysed[-1].files_total == 9
    # Articles as ingested, before duplicates are set apart.
    assert analysed[-1].articles_done == run["articles"] + run["duplicates"]
    assert [p.phase for p in seen][-2:] == ["validate", "publish"]


def test_plan_splits_files_finer_for_a_pool(tmp_path, settings):
    inputs = _inputs(tmp_path / "in")
    assert stages.plan_run([str(inputs)], tmp_path / "a", settings).chunk_count == 1
    plan = stages.plan_run([str(inputs)], tmp_path / "b", settings, min_chunks=4)
    assert [len(c) for c in plan.chunks] == [3, 3, 3]
    assert sorted(i for c in plan.chunks for i in c) == list(range(9))


def test_a_chunk_failing_in_a_worker_raises_a_pipeline_error_naming_it(tmp_path, settings):
    inputs = _inputs(tmp_path / "in")
    plan = stages.plan_run([str(inputs)], tmp_path / "out", settings, min_chunks=3)
    # A file where the chunk's folder should go: writing the chunk fails, whoever runs it.
    blocked = Path(plan.run_dir) / "chunks" / "00001"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("in the way", encoding="utf-8")
    with pytest.raises(PipelineError, match="chunk 1"):
        run_chunks(plan.run_dir, range(plan.chunk_count), settings, workers=2, on_done=lambda n: None)


def test_small_inputs_stay_in_process(tmp_path):
    (tmp_path / "a.txt").write_text("short", encoding="utf-8")
    assert batch_module._input_bytes([str(tmp_path)]) < batch_module.PARALLEL_MIN_BYTES


def test_a_worker_settles_its_loaded_heap_once(monkeypatch):
    # The gazetteer and lexicons are loaded, then frozen out of the cyclic collector's walks, once.
    import gc

    from pipeline import stages
    from pipeline.extract.lexicon import default_lexicon

    monkeypatch.setattr(stages, "_heap_settled", False)
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(default_lexicon.cache_info().currsize))
    stages._settle_heap()
    stages._settle_heap()
    assert frozen == [1]  # once, and after the lexicons were loaded
