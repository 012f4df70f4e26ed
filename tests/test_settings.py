"""docmill.toml read once into typed sections: one unknown-key check and one error for every
section and every process, and command-line options that fall back to the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docmill.client import Client
from docmill.home import Home
from docmill.settings import SettingsError, WorkersSettings, load_settings, override
from run_all import Supervisor, pool_command
from tests.conftest import QUIET, Proc, StartPool, allow, docmill, run_module, wait_for
from tests.stepping import Stepper

pytestmark = pytest.mark.timeout(60)

# One misspelt key per section: (docmill.toml, the key, where it is, the key it is close to).
MISSPELT = [
    ("[broker]\ndrain_grase = 1\n", "drain_grase", "[broker]", "drain_grace"),
    ("[maintenance]\nresult_tll = 1\n", "result_tll", "[maintenance]", "result_ttl"),
    ("[checks]\nintervall = 1\n", "intervall", "[checks]", "interval"),
    ("[security]\nallowed_root = []\n", "allowed_root", "[security]", "allowed_roots"),
    ("[tasks.noop]\nmax_attemps = 2\n", "max_attemps", "[tasks.noop]", "max_attempts"),
    ("[workers]\ntimout = 5\n", "timout", "[workers]", "timeout"),
    ("[watcher]\nretry_mx = 5\n", "retry_mx", "[watcher]", "retry_max"),
    ("[[watcher.folders]]\nrecursiv = true\n", "recursiv", "[[watcher.folders]]", "recursive"),
    ("[worker]\ntimeout = 5\n", "worker", "docmill.toml", "workers"),
]


def write(home: Home, text: str) -> None:
    (home.root / "docmill.toml").write_text(text)


@pytest.fixture
def bare(tmp_path: Path) -> Home:
    return Home(tmp_path / "h").ensure()


@pytest.mark.parametrize(("text", "key", "where", "close"), MISSPELT, ids=lambda v: str(v)[:14])
def test_an_unknown_key_in_any_section_is_one_error_naming_it(
    bare: Home, text: str, key: str, where: str, close: str
) -> None:
    write(bare, text)
    with pytest.raises(SettingsError) as refused:
        load_settings(bare)
    message = str(refused.value)
    assert f"unknown setting {key!r} in {where}" in message
    assert f"did you mean {close!r}?" in message


def test_every_process_refuses_an_unknown_key_before_it_starts(bare: Home) -> None:
    write(bare, "[workers]\nconcurency = 4\n")
    for module in ("broker", "workers", "watcher"):
        done = run_module(module, bare)
        assert done.returncode == 2, (module, done.stderr)
        assert "unknown setting 'concurency' in [workers]" in done.stderr, module
    done = run_module("run_all", bare, "--headless")
    assert done.returncode == 2 and "did you mean 'concurrency'?" in done.stderr
    assert not bare.read_endpoints()  # nothing was started


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[workers]\ntimeout = "soon"\n', "[workers] timeout must be a number, not 'soon'"),
        ('[workers]\nqueues = "documents"\n', "[workers] queues must be a list of strings"),
        ("[workers]\nconcurrency = 1.5\n", "[workers] concurrency must be an integer"),
        ('[workers]\npdf_backend = "mupdf"\n', "pdf_backend is one of pypdf, pdfium"),
        ("[maintenance]\nresult_ttl = true\n", "[maintenance] result_ttl must be a number"),
        ("[security]\nallowed_roots = [1]\n", "[security] allowed_roots must be a list of"),
        ("[broker]\nsynchronous = 1\n", "[broker] synchronous must be a string"),
        ('[tasks.noop]\nmax_attempts = "3"\n', "[tasks.noop] max_attempts must be an integer"),
        ("[workers]\nqueues = []\n", "at least one queue"),
        ("workers = 2\n", "[workers] must be a table"),
    ],
)
def test_a_value_of_the_wrong_type_is_an_error_naming_it(bare: Home, text: str, said: str) -> None:
    write(bare, text)
    with pytest.raises(SettingsError, match=None) as refused:
        load_settings(bare)
    assert said in str(refused.value)


def test_each_default_is_the_sections_and_a_given_option_replaces_the_file(bare: Home) -> None:
    assert load_settings(bare).workers == WorkersSettings()  # no file: the defaults
    write(bare, '[workers]\ntimeout = 42\nqueues = ["documents", "special"]\n')
    workers = load_settings(bare).workers
    assert (workers.timeout, workers.queues) == (42.0, ("documents", "special"))
    assert workers.concurrency == WorkersSettings().concurrency  # not in the file
    given = override(workers, timeout=5, queues=["special"], concurrency=None)
    assert (given.timeout, given.queues, given.concurrency) == (5.0, ("special",), 2)
    with pytest.raises(SettingsError, match="option concurrency must be an integer"):
        override(workers, concurrency="many")


def test_run_all_leaves_the_pool_to_workers_unless_told(bare: Home) -> None:
    write(bare, "[workers]\nconcurrency = 3\ngrace = 30\n")
    settings = load_settings(bare)
    told = pool_command(settings, 1)
    assert told[told.index("--concurrency") + 1] == "1"
    untold = pool_command(settings, None)
    assert "--concurrency" not in untold and "--grace" not in untold
    supervisor = Supervisor(settings)
    supervisor._waker.close()  # nothing was started: only its wake-up socket to close
    assert supervisor.pool_grace == 30.0  # how long it waits for the pool to stop, as the pool


def test_a_workers_section_reaches_a_real_pool(
    home: Home, broker: Proc, client: Client, tmp_path: Path
) -> None:
    write(
        home,
        QUIET + allow(tmp_path) + "[workers]\nconcurrency = 2\ntimeout = 42\nsplit_pages = 7\n"
        'queues = ["documents", "special"]\ntasks = ["tests.tasks"]\noutbox = "results"\n',
    )
    pool = Proc(["-m", "workers", "--home", str(home.root)], tmp_path / "pool.log")
    try:
        wait_for(lambda: len(client.status()["workers"]) == 2, 30, "the file's two workers")
        status = json.loads(docmill(home, "status", "--json").stdout)
        assert [worker["queues"] for worker in status["workers"]] == [["documents", "special"]] * 2
        seen = client.submit("context_of", queue="special").result(timeout=30)
        assert (seen["timeout"], seen["split_pages"]) == (42.0, 7)
        assert seen["outbox"] == str(home.root / "results")  # relative: to the home
    finally:
        pool.stop()


def test_an_option_overrides_the_workers_section_one_key_at_a_time(
    home: Home, client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    write(
        home,
        QUIET + allow(tmp_path) + "[workers]\ntimeout = 42\nsplit_pages = 7\n"
        'queues = ["documents", "special"]\n',
    )
    start_pool(1, "--timeout", "5", "--queues", "special")
    (worker,) = client.status()["workers"]
    assert worker["queues"] == ["special"]
    seen = client.submit("context_of", queue="special").result(timeout=30)
    assert (seen["timeout"], seen["split_pages"]) == (5.0, 7)  # the option, and the file's


def test_the_module_docstring_shows_every_workers_key() -> None:
    import docmill.settings

    documented = docmill.settings.__doc__ or ""
    for name in WorkersSettings.__dataclass_fields__:
        assert f"\n    {name} = " in documented, name


def test_a_task_policy_sends_its_tasks_submits_to_its_queue(tmp_path: Path) -> None:
    write(Home(tmp_path / "home").ensure(), '[tasks.noop]\nqueue = "special"\npriority = 3\n')
    policies = load_settings(Home(tmp_path / "home")).broker.task_policies
    flow = Stepper(tmp_path, task_policies=policies)
    try:
        client = flow.client()
        left_out, given = client.submit("noop"), client.submit("noop", queue="documents")
        assert (flow.job(left_out).queue, flow.job(left_out).priority) == ("special", 3)
        assert flow.job(given).queue == "documents"  # what the submit says wins
    finally:
        flow.close()
