"""The process commands are built once (config/processes.py); the deployment files
and docs say the same, and no other code writes them out again."""

import shlex
from pathlib import Path

import yaml

from config import processes

ROOT = Path(__file__).resolve().parents[2]


def test_the_procfile_runs_the_commands_config_processes_builds():
    text = (ROOT / "deploy" / "Procfile").read_text()
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]

    assert lines == processes.procfile_lines()


def test_compose_runs_the_commands_config_processes_builds():
    services = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]

    commands = {name: services[name]["command"] for name in processes.compose_commands()}

    assert commands == processes.compose_commands()


def test_the_image_starts_the_web_process_config_processes_builds():
    text = (ROOT / "deploy" / "Dockerfile").read_text()

    assert [line for line in text.splitlines() if line.startswith("CMD ")] == [
        processes.dockerfile_cmd()
    ]


def test_the_deploy_docs_show_the_commands_config_processes_builds():
    text = (ROOT / "docs" / "deploy.md").read_text()

    for name in ("web", "ws"):
        assert f"`{shlex.join(processes.compose_commands()[name])}`" in text, name


def test_no_other_code_writes_a_process_command_line_itself():
    # Options only a hand-written gunicorn or uvicorn command line would contain.
    markers = ("websockets-sansio", '"config/gunicorn.py"', '"manage.py", "db_worker"')
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("bench", "scripts", "tests", "config")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "processes.py"
        and path != Path(__file__)
        and any(marker in path.read_text() for marker in markers)
    ]

    assert offenders == []


def test_the_interpreter_form_runs_the_same_programs_as_the_path_form():
    bound = {"bind": "127.0.0.1:1"}

    assert processes.web(**bound, python="/py") == [
        "/py",
        "-m",
        *processes.web(**bound),
    ]
    assert processes.ws(host="h", port=1, workers=2, python="/py")[:3] == ["/py", "-m", "uvicorn"]
    assert processes.ws(host="h", port=1, workers=2)[-2:] == ["--workers", "2"]
    assert "--workers" not in processes.ws(host="h", port=1)
    assert processes.worker(interval=0.5, python="/py") == [
        "/py",
        "manage.py",
        "db_worker",
        "--interval",
        "0.5",
    ]
