"""``python -m cronofy_simulator --seed demo`` starts, prints credentials and answers."""

import json
import subprocess
import sys
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_module_starts_with_demo_seed(tmp_path):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cronofy_simulator",
            "--port",
            "0",
            "--seed",
            "demo",
            "--state-file",
            str(tmp_path / "sim.sqlite"),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()
        assert first.startswith("Cronofy simulator listening on http://127.0.0.1:")
        base_url = first.rsplit(" ", 1)[1].strip()
        process.stdout.readline()
        lines = []
        while not lines or lines[-1] != "}\n":
            lines.append(process.stdout.readline())
        credentials = json.loads("".join(lines))
        assert credentials["client_id"] == "sim_demo_client_id"
        assert credentials["templates"] == ["sgr_demo_interview_30", "sgr_demo_panel_60"]
        hosts = requests.get(f"{base_url}/_sim/hosts", timeout=5).json()["hosts"]
        assert {h["sub"] for h in hosts} == {"acc_demo_alex", "acc_demo_sam"}
    finally:
        process.terminate()
        process.wait(timeout=5)
    assert process.returncode == 0
