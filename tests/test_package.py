"""The import name `pipeline` is generic: make sure it is this repository's package."""

from pathlib import Path

import pipeline
from tests.conftest import REPO


def test_pipeline_is_this_repos_package():
    assert Path(pipeline.__file__).resolve().parent == REPO / "pipeline"


def test_pipeline_never_imports_airflow():
    # pipeline/ must stay testable without Airflow; the DAGs import it, never the reverse.
    offenders = [
        str(p.relative_to(REPO))
        for p in (REPO / "pipeline").rglob("*.py")
        if "import airflow" in p.read_text(encoding="utf-8") or "from airflow" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []
