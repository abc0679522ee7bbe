from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from cocreate.cli import app

runner = CliRunner()


def test_segment_csv_with_id_column(tmp_path):
    src = tmp_path / "posts.csv"
    src.write_text("pid,body\na1,希望增加夜间模式\na2,客服态度差\n", encoding="utf-8")
    out = tmp_path / "seg.jsonl"
    res = runner.invoke(app, ["segment", str(src), "-o", str(out), "--text-column", "body", "--id-column", "pid"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a1", "a2"]
    assert "夜间模式" in rows[0]["tokens"]


def test_embed_txt_and_jsonl(tmp_path):
    src = tmp_path / "posts.txt"
    src.write_text("希望增加夜间模式\n\n物流很快\n", encoding="utf-8")
    res = runner.invoke(app, ["embed", str(src), "-o", str(tmp_path / "e.npy")])
    assert res.exit_code == 0, res.output
    vecs = np.load(tmp_path / "e.npy")
    assert vecs.shape == (2, 384)
    js = tmp_path / "posts.jsonl"
    js.write_text('{"text": "物流很快", "id": 7}\n', encoding="utf-8")
    res = runner.invoke(app, ["embed", str(js), "-o", str(tmp_path / "e.jsonl"), "--id-column", "id"])
    assert res.exit_code == 0, res.output
    row = json.loads((tmp_path / "e.jsonl").read_text())
    assert row["id"] == 7 and len(row["embedding"]) == 384


def test_bad_files_give_clear_errors(tmp_path):
    csv = tmp_path / "p.csv"
    csv.write_text("body\n你好\n", encoding="utf-8")
    res = runner.invoke(app, ["segment", str(csv), "-o", str(tmp_path / "o.jsonl")])
    assert res.exit_code == 2 and "no column 'text'" in res.output and "body" in res.output
    bad = tmp_path / "p.jsonl"
    bad.write_text('{"text": "好"}\n{oops\n', encoding="utf-8")
    res = runner.invoke(app, ["segment", str(bad), "-o", str(tmp_path / "o.jsonl")])
    assert res.exit_code == 2 and "line 2 is not valid JSON" in res.output
    latin = tmp_path / "p.txt"
    latin.write_bytes("你好".encode("gbk"))
    res = runner.invoke(app, ["segment", str(latin), "-o", str(tmp_path / "o.jsonl")])
    assert res.exit_code == 2 and "not UTF-8" in res.output
    res = runner.invoke(app, ["embed", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "o.npy")])
    assert res.exit_code == 2 and "no such file" in res.output
    assert not (tmp_path / "o.jsonl").exists()


def _cocreate_imports() -> dict[str, set[str]]:
    """cocreate module → the cocreate modules it imports anywhere in its file (function bodies too)."""
    import ast
    from pathlib import Path

    pkg = Path(__file__).resolve().parents[1] / "cocreate"
    mods = {p.stem for p in pkg.glob("*.py")}
    graph = {}
    for p in pkg.glob("*.py"):
        deps = set()
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            deps |= {n.split(".")[1] for n in names if n.startswith("cocreate.") and n.split(".")[1] in mods}
        graph[p.stem] = deps - {p.stem}
    return graph


def test_no_import_cycles_in_cocreate():
    graph = _cocreate_imports()
    assert graph["cmd_cluster"] and "cli" not in graph["cmd_cluster"]
    cycles, state = [], {}

    def visit(m, path):
        state[m] = "open"
        for d in sorted(graph.get(m, ())):
            if state.get(d) == "open":
                cycles.append(path[path.index(d) :] + [d])
            elif d not in state:
                visit(d, path + [d])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert cycles == [], f"import cycles: {cycles}"


def test_each_command_module_imports_alone():
    import subprocess
    import sys

    for m in ("cmd_cluster", "cmd_crisis", "cmd_service", "cli_helpers", "cli"):
        r = subprocess.run([sys.executable, "-c", f"import cocreate.{m}"], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, f"import cocreate.{m}: {r.stderr[-2000:]}"
