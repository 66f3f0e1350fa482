"""The Python and JavaScript graders of pgtools.exercises agree on tests/exercise_cases.json."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from pgtools import exercises

ROOT = Path(__file__).resolve().parents[1]
CASES_FILE = ROOT / "tests" / "exercise_cases.json"
JS_FILE = ROOT / "pgtools" / "exercises.js"
CASES = json.loads(CASES_FILE.read_text(encoding="utf-8"))

NODE_SCRIPT = r"""
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const [jsFile, casesFile] = process.argv.slice(1);
const m = await import(pathToFileURL(jsFile).href);
const cases = JSON.parse(readFileSync(casesFile, "utf8"));
const out = cases.map((c) => m.grade(c.spec, c.input));
// round trip of the obscured spec, encoded by Python (passed via stdin)
const encoded = JSON.parse(readFileSync(0, "utf8"));
const decoded = encoded.map((e) => m.decodeSpec(e));
process.stdout.write(JSON.stringify({ out, decoded }));
"""


def _ids(c):
    return f"{c['spec']['kind']}-{json.dumps(c['input'], ensure_ascii=False)}"


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_python_grader_matches_cases(case):
    fb = exercises.grade(case["spec"], case["input"])
    assert fb.status == case["status"], fb
    if "contains" in case:
        assert case["contains"] in str(fb), fb


@pytest.mark.parametrize("variant", ["source file", "compacted _esm as shipped"])
def test_javascript_grader_agrees_with_python(variant, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot run the JavaScript grader (Python side still tested)")
    js_file = JS_FILE
    if variant != "source file":
        js_file = tmp_path / "exercises_esm.js"
        js_file.write_text(exercises.NumericExercise._esm, encoding="utf-8")
    specs = [c["spec"] for c in CASES] + [{"kind": "numeric", "note": "ünïcode γ^t π_θ"}]
    encoded = [exercises.encode_spec(s) for s in specs]
    proc = subprocess.run(
        [node, "--input-type=module", "-e", NODE_SCRIPT, str(js_file), str(CASES_FILE)],
        input=json.dumps(encoded), capture_output=True, text=True, timeout=30, check=False,
    )
    assert proc.returncode == 0, f"node failed:\n{proc.stderr}"
    result = json.loads(proc.stdout)
    assert result["decoded"] == specs
    mismatches = []
    for case, js in zip(CASES, result["out"]):
        py = exercises.grade(case["spec"], case["input"]).to_dict()
        if (js["status"], js["message"], js["details"]) != (py["status"], py["message"], py["details"]):
            mismatches.append((case["input"], py, js))
        if js["status"] != case["status"]:
            mismatches.append((case["input"], "expected " + case["status"], js))
    assert not mismatches, "\n".join(map(str, mismatches))
