"""`make bench-load`: many users talking to the bot at once, against a stock `rasa init` bot in the same run.

    make bench-load                                   # 1, 20 and 100 users, 30 s per level and system
    .venv/bin/python -m bench.load --seconds 20 --users 1,20 --json var/load.json

Both systems run on this machine on free ports: the stock bot (`rasa init` with the same Rasa, created and trained
once into ~/.cache/glueckauf/stock-bot/<version>/, spoken to through its REST channel) and this project's stack
(engine and service, a fresh SQLite database, spoken to through the public chat API). Each simulated user opens a
conversation and sends a five-message script (greeting, a question, a follow-up, thanks, goodbye; German, English,
Turkish, Arabic, Ukrainian, Russian), waiting for each reply, then starts the next conversation until the level's
time is up. Per level the stock bot runs first, then ours, never both at once. Measured per level and system:
answered messages per second, latency of a message (send to reply), errors, and per process (with its children,
from /proc) CPU time per message and peak resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from bench.report import percentile, table
from bot.infra.i18n import catalog_for
from bot.infra.settings import PROJECT_ROOT, Settings
from bot.stack import Stack, free_port

ENGINE_BIN = PROJECT_ROOT / ".venv-engine" / "bin"
STOCK_CACHE = Path.home() / ".cache" / "glueckauf" / "stock-bot"
TIMEOUT_SECONDS = 30.0  # a message without a reply after this long is an error ("timeout")
SAMPLE_SECONDS = 0.5  # resident memory is sampled this often during a level
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
IDLE_CPU_SHARE = 0.05  # a system is idle again when its processes use less than this share of one CPU
SETTLE_LIMIT_SECONDS = 180.0
OTHERS_NOTED = 0.2  # CPUs used by other processes during a level from which the report says so

# What people write, in order: greeting, a question the knowledge base answers, a follow-up or office detail, thanks,
# goodbye. The stock bot gets the same texts.
SCRIPTS: tuple[tuple[str, ...], ...] = (
    (
        "Hallo!",
        "Wie melde ich meine Wohnung in Bochum an?",
        "Wann hat das Welcome Office geöffnet?",
        "Vielen Dank!",
        "Tschüss",
    ),
    (
        "Hi",
        "How do I register my address in Bochum?",
        "What are the opening hours of the Welcome Office?",
        "Thanks a lot",
        "Bye",
    ),
    (
        "Merhaba",
        "Herne'de ikametgahımı nasıl kaydettirebilirim?",
        "Yabancılar dairesinin telefon numarası nedir?",
        "Teşekkürler",
        "Hoşça kal",
    ),
    (
        "مرحبا",
        "كيف أحصل على الاعتراف بشهادتي في ألمانيا؟",
        "وأنا أعيش في بوخوم",
        "شكرا جزيلا",
        "مع السلامة",
    ),
    (
        "Привіт",
        "Як зареєструвати місце проживання у Віттені?",
        "Коли працює Welcome Office?",
        "Дякую",
        "До побачення",
    ),
    (
        "Здравствуйте",
        "Нужна ли мне виза для работы в Германии?",
        "Я живу в Хаттингене, куда мне обратиться?",
        "Спасибо",
        "До свидания",
    ),
)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- processes, from /proc ------------------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and its reaped children), None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the name in parentheses may contain spaces
    # From field 3 (state): ppid is field 4, utime stime cutime cstime are fields 14-17.
    return int(fields[1]), sum(int(value) for value in fields[11:15]) / CLOCK_TICKS


def process_tree(root: int) -> list[int]:
    """The process and its living descendants (Rasa and uvicorn may fork)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (stat := _stat(int(entry.name))):
            children.setdefault(stat[0], []).append(int(entry.name))
    tree, queue = [], [root]
    while queue:
        pid = queue.pop()
        tree.append(pid)
        queue += children.get(pid, [])
    return tree


def machine_busy_seconds() -> float:
    """CPU time all processes of the machine have used since boot (every CPU's non-idle time, /proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(value) for value in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def cpu_seconds(root: int) -> float:
    """User and system time of the process and all its descendants (living ones, and reaped ones via cutime)."""
    return sum(stat[1] for pid in process_tree(root) if (stat := _stat(pid)))


def memory_kb(root: int, key: str) -> int:
    """A /proc/<pid>/status figure (VmRSS, VmHWM) summed over the process and its descendants, in kB."""
    total = 0
    for pid in process_tree(root):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if found := re.search(rf"^{key}:\s+(\d+) kB", status, re.MULTILINE):
            total += int(found.group(1))
    return total


# --- the two systems ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    messages: int  # bot messages in the reply
    with_bot: bool  # the conversation is still with the bot (not handed to an advisor)
    stand_in: bool = False  # ours: only the "one moment" notice; the engine did not answer in time


class System(Protocol):
    name: str
    url: str
    processes: dict[str, int]  # label -> root pid
    quiet_seconds: float  # idle this long after a level: the system has finished what the level gave it

    async def open(self, client: httpx.AsyncClient, sender: str) -> Any: ...

    async def send(self, client: httpx.AsyncClient, conversation: Any, text: str) -> Answer: ...


class StockBot:
    """The stock bot's REST channel: one sender id per conversation, nothing to open."""

    name = "stock"
    quiet_seconds = 2.0

    def __init__(self, url: str, pid: int) -> None:
        self.url = url
        self.processes = {"rasa": pid}

    async def open(self, client: httpx.AsyncClient, sender: str) -> Any:
        return sender

    async def send(self, client: httpx.AsyncClient, conversation: Any, text: str) -> Answer:
        response = await client.post("/webhooks/rest/webhook", json={"sender": conversation, "message": text})
        response.raise_for_status()
        return Answer(len(response.json()), True)


@dataclass
class Conversation:
    url: str
    headers: dict[str, str]


class OurBot:
    """The public chat API, as the widget uses it: open a conversation, then send with its token."""

    name = "ours"

    def __init__(self, url: str, processes: dict[str, int], settings: Settings) -> None:
        self.url = url
        self.processes = processes
        # A message the engine did not answer in time stays queued; the retry loop sends it again after this long.
        self.quiet_seconds = settings.engine_retry_interval_seconds + 1
        catalog = catalog_for(settings.knowledge_dir / "ui")
        self._one_moment = {catalog.text("engine_unavailable", language) for language in catalog.languages}

    async def open(self, client: httpx.AsyncClient, sender: str) -> Any:
        response = await client.post("/api/conversations", json={"audience": "candidate"})
        response.raise_for_status()
        started = response.json()
        return Conversation(
            f"/api/conversations/{started['id']}/messages", {"Authorization": f"Bearer {started['token']}"}
        )

    async def send(self, client: httpx.AsyncClient, conversation: Any, text: str) -> Answer:
        response = await client.post(conversation.url, json={"text": text}, headers=conversation.headers)
        response.raise_for_status()
        result = response.json()
        replies = result["replies"]
        stand_in = bool(replies) and all(reply["text"] in self._one_moment for reply in replies)
        return Answer(len(replies), result["state"] == "bot", stand_in)


# --- load ------------------------------------------------------------------------------------------------------------


@dataclass
class Level:
    system: str
    users: int
    wall_seconds: float = 0.0
    conversations: int = 0
    sent: int = 0
    replies: int = 0  # 2xx answers
    empty_replies: int = 0  # 2xx answers without a message: the bot said nothing (the message was handled)
    stand_ins: int = 0  # 2xx answers that were only ours' "one moment" notice: the message was not handled in time
    handed_off: int = 0  # replies after which the conversation was no longer with the bot
    open_ms: list[float] = field(default_factory=list)  # opening a conversation (ours: a request; stock: none)
    latencies_ms: list[float] = field(default_factory=list)  # every 2xx answer
    step_latencies_ms: dict[int, list[float]] = field(default_factory=dict)  # by position in the script
    errors: Counter[str] = field(default_factory=Counter)
    settle_seconds: float = 0.0  # after the last reply, until the system was idle (its CPU time is counted)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    client_cpu_seconds: float = 0.0
    other_cpu_seconds: float = 0.0  # everything else on the machine during the level: a busy machine skews figures
    peak_rss_kb: dict[str, int] = field(default_factory=dict)  # max of VmRSS samples, per process
    stack_peak_rss_kb: int = 0  # max of the samples' sum over the system's processes
    vmhwm_kb: dict[str, int] = field(default_factory=dict)  # each process's own peak since it started

    @property
    def answered(self) -> int:
        """Messages the bot handled (what the rate and the CPU per message count): every 2xx answer but the "one
        moment" notice."""
        return self.replies - self.stand_ins

    def per_second(self) -> float:
        return self.answered / self.wall_seconds if self.wall_seconds else 0.0

    def cpu_ms_per_message(self, seconds: float) -> float:
        return 1000 * seconds / self.answered if self.answered else float("nan")

    def summary(self) -> dict[str, Any]:
        return {
            "messages_per_second": self.per_second(),
            "p50_ms": percentile(self.latencies_ms, 50),
            "p95_ms": percentile(self.latencies_ms, 95),
            "p99_ms": percentile(self.latencies_ms, 99),
            "cpu_ms_per_message": {name: self.cpu_ms_per_message(s) for name, s in self.cpu_seconds.items()},
            "client_cpu_ms_per_message": self.cpu_ms_per_message(self.client_cpu_seconds),
        }


def error_kind(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, httpx.TransportError):
        return "connection"
    return f"bad reply ({type(exc).__name__})"


async def user(system: System, client: httpx.AsyncClient, number: int, deadline: float, level: Level) -> None:
    """One simulated user: conversation after conversation until the deadline; a failed message ends its
    conversation (what a person would do: start again)."""
    done = 0
    while time.monotonic() < deadline:
        script = SCRIPTS[(number + done) % len(SCRIPTS)]
        done += 1
        start = time.perf_counter()
        try:
            conversation = await system.open(client, f"load-{level.users}-{number}-{done}")
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            level.errors[error_kind(exc)] += 1
            await asyncio.sleep(0.1)  # not a tight loop against a refusing server
            continue
        level.open_ms.append((time.perf_counter() - start) * 1000)
        level.conversations += 1
        for step, text in enumerate(script):
            if time.monotonic() >= deadline:
                break
            level.sent += 1
            start = time.perf_counter()
            try:
                answer = await system.send(client, conversation, text)
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                level.errors[error_kind(exc)] += 1
                await asyncio.sleep(0.1)
                break
            took = (time.perf_counter() - start) * 1000
            level.latencies_ms.append(took)
            level.step_latencies_ms.setdefault(step, []).append(took)
            level.replies += 1
            level.empty_replies += answer.messages == 0
            level.stand_ins += answer.stand_in
            level.handed_off += not answer.with_bot


async def sample_memory(system: System, level: Level, stop: asyncio.Event) -> None:
    while True:
        sizes = {name: memory_kb(pid, "VmRSS") for name, pid in system.processes.items()}
        for name, size in sizes.items():
            level.peak_rss_kb[name] = max(level.peak_rss_kb.get(name, 0), size)
        level.stack_peak_rss_kb = max(level.stack_peak_rss_kb, sum(sizes.values()))
        try:
            await asyncio.wait_for(stop.wait(), SAMPLE_SECONDS)
            return
        except TimeoutError:
            pass


async def settle(system: System) -> float:
    """Waits until the system's processes have been idle for its quiet_seconds: work a level left behind (requests
    the client gave up on, queued retries) is finished, counted in its CPU time and not slowing the next level.
    Returns how long that took."""
    started = time.monotonic()
    quiet_since = started
    before = sum(cpu_seconds(pid) for pid in system.processes.values())
    while time.monotonic() - quiet_since < system.quiet_seconds:
        if time.monotonic() - started > SETTLE_LIMIT_SECONDS:
            say(f"   {system.name} still busy after {SETTLE_LIMIT_SECONDS:.0f} s; going on")
            break
        await asyncio.sleep(0.5)
        now = sum(cpu_seconds(pid) for pid in system.processes.values())
        if now - before > IDLE_CPU_SHARE * 0.5:
            quiet_since = time.monotonic()
        before = now
    return max(0.0, time.monotonic() - started - system.quiet_seconds)


async def run_level(system: System, client: httpx.AsyncClient, users: int, seconds: float) -> Level:
    level = Level(system.name, users)
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(system, level, stop))
    cpu_before = {name: cpu_seconds(pid) for name, pid in system.processes.items()}
    client_before = time.process_time()
    machine_before = machine_busy_seconds()
    started = time.monotonic()
    deadline = started + seconds
    try:
        await asyncio.gather(*(user(system, client, number, deadline, level) for number in range(users)))
    except BaseException:
        sampler.cancel()
        raise
    level.wall_seconds = time.monotonic() - started  # until the last reply: messages in flight are waited for
    level.client_cpu_seconds = time.process_time() - client_before
    ours_before = sum(cpu_before.values()) + client_before
    ours_after = sum(cpu_seconds(pid) for pid in system.processes.values()) + time.process_time()
    level.other_cpu_seconds = max(0.0, machine_busy_seconds() - machine_before - (ours_after - ours_before))
    level.settle_seconds = await settle(system)
    level.cpu_seconds = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in system.processes.items()}
    stop.set()
    await sampler
    level.vmhwm_kb = {name: memory_kb(pid, "VmHWM") for name, pid in system.processes.items()}
    return level


async def warm_up(system: System, client: httpx.AsyncClient) -> None:
    """Every script once, not measured: models, caches and connections get loaded (ours loads some per language on
    first use)."""
    for number, script in enumerate(SCRIPTS):
        conversation = await system.open(client, f"warm-up-{number}")
        for text in script:
            await system.send(client, conversation, text)


async def measure(systems: Sequence[System], levels: Sequence[int], seconds: float) -> list[Level]:
    connections = max(levels) + 10
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    clients = {
        system.name: httpx.AsyncClient(base_url=system.url, timeout=TIMEOUT_SECONDS, limits=limits)
        for system in systems
    }
    results = []
    try:
        for system in systems:
            say(f"==> warming up {system.name} ({len(SCRIPTS)} conversations, not measured)")
            await warm_up(system, clients[system.name])
            await settle(system)
        for users in levels:
            for system in systems:
                say(f"level {users} users: {system.name} … ({seconds:.0f} s)")
                level = await run_level(system, clients[system.name], users, seconds)
                errors = ", ".join(f"{n} {kind}" for kind, n in level.errors.most_common()) or "no errors"
                say(
                    f"   {level.answered} answers in {level.wall_seconds:.1f} s = {level.per_second():.1f} msgs/s, "
                    f"p95 {percentile(level.latencies_ms, 95):.0f} ms, {errors}, "
                    f"{level.replies - level.answered} not answered; idle again after {level.settle_seconds:.0f} s; "
                    f"other processes used {level.other_cpu_seconds / level.wall_seconds:.1f} CPUs"
                )
                results.append(level)
    finally:
        for client in clients.values():
            await client.aclose()
    return results


# --- the stock bot's project and process -----------------------------------------------------------------------------


_PLAIN = re.compile(r"\x1b\[[0-9;]*m|^.*? - ")  # colours, and the timestamp and logger of a log line


def rasa_version() -> str:
    command = [str(ENGINE_BIN / "python"), "-c", "import importlib.metadata as m; print(m.version('rasa'))"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def _engine_environment() -> dict[str, str]:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": ""}


def stock_project(version: str) -> Path:
    """The `rasa init` project of this Rasa version, created and trained once (about a minute)."""
    target = STOCK_CACHE / version
    if any((target / "models").glob("*.tar.gz")):
        return target
    STOCK_CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=STOCK_CACHE))
    work.chmod(0o755)
    log = STOCK_CACHE / f"{version}-init.log"
    say(f"==> creating a stock bot: rasa init --no-prompt (Rasa {version}) in {target}; training takes about a minute")
    process = subprocess.Popen(
        [str(ENGINE_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(work)],
        cwd=work,
        env=_engine_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    started = time.monotonic()
    last = started
    try:
        assert process.stdout is not None
        with log.open("w", encoding="utf-8") as out:
            for line in process.stdout:  # tqdm's \r updates arrive as lines too: only the others are shown
                out.write(line)
                line = line.strip()
                if re.search(r"Created project|Starting to train component|model is trained", line):
                    say("   " + _PLAIN.sub("", line)[:150])
                elif time.monotonic() - last > 15:
                    say(f"   … training ({time.monotonic() - started:.0f} s)")
                    last = time.monotonic()
        if process.wait() != 0 or not any((work / "models").glob("*.tar.gz")):
            raise RuntimeError(f"rasa init failed (exit {process.returncode}); its output is in {log}")
        credentials = work / "credentials.yml"
        if not re.search(r"^rest:", credentials.read_text(encoding="utf-8"), re.MULTILINE):
            credentials.write_text("rest:\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)  # an earlier attempt without a model
        work.rename(target)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(work, ignore_errors=True)
    say(f"   stock bot ready ({time.monotonic() - started:.0f} s)")
    return target


@dataclass
class StockProcess:
    project: Path
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [str(ENGINE_BIN / "rasa"), "run", "--enable-api", "--model", "models"]
        command += ["--interface", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command,
                cwd=self.project,
                env=_engine_environment(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 300) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
                raise RuntimeError(f"the stock bot exited with {self.process.returncode}; {self.log}:\n{tail}")
            try:
                if httpx.get(f"{self.url}/status", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise RuntimeError(f"the stock bot is not ready after {timeout:.0f} s; {self.log}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


# --- report -----------------------------------------------------------------------------------------------------------


def _users_text(users: int) -> str:
    return f"{users} user" if users == 1 else f"{users} users"


def _ms(value: float) -> str:
    return "–" if value != value else f"{value:.0f}"  # NaN: no replies


def _ratio(ours: float, stock: float) -> str:
    return f"{ours / stock:.2f}×" if stock and ours == ours and stock == stock else "–"


def _mb(kb: int) -> str:
    return f"{kb / 1024:.0f}"


def report(results: Sequence[Level]) -> str:
    rows: list[list[object]] = []
    by_level: dict[int, dict[str, Level]] = {}
    for level in results:
        by_level.setdefault(level.users, {})[level.system] = level
    for users, systems in by_level.items():
        for level in systems.values():
            rows.append(
                [
                    level.system,
                    users,
                    f"{level.per_second():.1f}",
                    _ms(percentile(level.latencies_ms, 50)),
                    _ms(percentile(level.latencies_ms, 95)),
                    _ms(percentile(level.latencies_ms, 99)),
                    sum(level.errors.values()),
                    level.replies - level.answered,
                    level.sent,
                ]
            )
        if {"ours", "stock"} <= systems.keys():
            ours, stock = systems["ours"], systems["stock"]
            p95 = [percentile(level.latencies_ms, 95) for level in (ours, stock)]
            rows.append(["ours ÷ stock", users, _ratio(ours.per_second(), stock.per_second()), "", _ratio(*p95)])
            rows[-1] += ["", "", "", ""]
    headers = ["system", "users", "msgs/s", "p50 ms", "p95 ms", "p99 ms", "errors", "not answered", "sent"]
    speed = table(headers, rows)

    rows = []
    for users, systems in by_level.items():
        for level in systems.values():
            for name, seconds in level.cpu_seconds.items():
                rows.append(
                    [
                        level.system,
                        users,
                        name,
                        _ms(level.cpu_ms_per_message(seconds)),
                        _mb(level.peak_rss_kb.get(name, 0)),
                        _mb(level.vmhwm_kb.get(name, 0)),
                    ]
                )
            total = level.cpu_ms_per_message(sum(level.cpu_seconds.values()))
            rows.append(
                [
                    level.system,
                    users,
                    "whole stack",
                    _ms(total),
                    _mb(level.stack_peak_rss_kb),
                    _mb(sum(level.vmhwm_kb.values())),
                ]
            )
            rows.append(
                [level.system, users, "(load generator)", _ms(level.cpu_ms_per_message(level.client_cpu_seconds))]
            )
            rows[-1] += ["", ""]
        if {"ours", "stock"} <= systems.keys():
            ours, stock = systems["ours"], systems["stock"]
            cpu = [level.cpu_ms_per_message(sum(level.cpu_seconds.values())) for level in (ours, stock)]
            rss = [float(level.stack_peak_rss_kb) for level in (ours, stock)]
            rows.append(["ours ÷ stock", users, "whole stack", _ratio(*cpu), _ratio(*rss), ""])
    headers = ["system", "users", "process", "CPU ms/msg", "peak RSS MB (sampled)", "VmHWM MB (since start)"]
    resources = table(headers, rows)

    notes = []
    for level in results:
        if level.errors:
            kinds = ", ".join(f"{n} {kind}" for kind, n in level.errors.most_common())
            notes.append(f"errors, {level.system} with {_users_text(level.users)}: {kinds}")
        if level.stand_ins:
            notes.append(
                f"not answered, {level.system} with {_users_text(level.users)}: {level.stand_ins} replies were only "
                'the "one moment" notice (the engine did not answer within ENGINE_TIMEOUT_SECONDS; the message stays '
                "queued and is answered later)"
            )
        if level.empty_replies:
            notes.append(
                f"{level.empty_replies} replies without a message (the bot said nothing; counted as answered), "
                f"{level.system} with {_users_text(level.users)}"
            )
        if level.handed_off:
            notes.append(
                f"{level.handed_off} replies left the conversation with an advisor, {level.system} with "
                f"{_users_text(level.users)}"
            )
    for level in results:
        if level.other_cpu_seconds > OTHERS_NOTED * level.wall_seconds:
            notes.append(
                f"other processes on this machine used {level.other_cpu_seconds / level.wall_seconds:.1f} CPUs "
                f"during {level.system} with {_users_text(level.users)}: that level's figures are skewed"
            )
    opens = [ms for level in results if level.system == "ours" for ms in level.open_ms]
    if opens:
        notes.append(
            "ours opens each conversation first (POST /api/conversations, not counted as a message): "
            f"p50 {percentile(opens, 50):.0f} ms, p95 {percentile(opens, 95):.0f} ms; its CPU is in the CPU per message"
        )
    return "\n\n".join([speed, resources, "\n".join(notes)]).rstrip()


def as_json(results: Sequence[Level], args: argparse.Namespace, version: str) -> dict[str, Any]:
    return {
        "seconds_per_level": args.seconds,
        "users": args.users,
        "rasa_version": version,
        "cpus": os.cpu_count(),
        "timeout_seconds": TIMEOUT_SECONDS,
        "levels": [
            {
                "system": level.system,
                "users": level.users,
                "wall_seconds": level.wall_seconds,
                "conversations": level.conversations,
                "sent": level.sent,
                "replies": level.replies,
                "empty_replies": level.empty_replies,
                "one_moment_replies": level.stand_ins,
                "answered": level.answered,
                "settle_seconds": level.settle_seconds,
                "handed_off": level.handed_off,
                "open_ms": [round(value, 2) for value in level.open_ms],
                "errors": dict(level.errors),
                "cpu_seconds": level.cpu_seconds,
                "client_cpu_seconds": level.client_cpu_seconds,
                "other_cpu_seconds": level.other_cpu_seconds,
                "peak_rss_kb": level.peak_rss_kb,
                "stack_peak_rss_kb": level.stack_peak_rss_kb,
                "vmhwm_kb": level.vmhwm_kb,
                **level.summary(),
                "latencies_ms": [round(value, 2) for value in level.latencies_ms],
                "latencies_ms_by_script_step": {
                    step + 1: [round(value, 2) for value in values]
                    for step, values in sorted(level.step_latencies_ms.items())
                },
            }
            for level in results
        ],
    }


def _users(text: str) -> list[int]:
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: comma-separated numbers of users, e.g. 1,20,100") from None
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: at least one level, each at least 1 user")
    return levels


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="per level and system (default: 30)")
    parser.add_argument("--users", type=_users, default=[1, 20, 100], help="concurrent users per level (1,20,100)")
    parser.add_argument("--json", type=Path, help="also write the raw numbers (every latency) to this file")
    parser.add_argument("--keep", action="store_true", help="keep the logs and the database (a temporary folder)")
    args = parser.parse_args()
    # Ctrl-C and SIGTERM stop everything on the way out (also when started in the background, where SIGINT is
    # ignored); inside asyncio.run, SIGINT cancels the measurement and its tasks cleanly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: signal.raise_signal(signal.SIGINT))
    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="bench-load-"))
    version = rasa_version()
    stock: StockProcess | None = None
    stack: Stack | None = None
    failed = True
    try:
        stock = StockProcess(stock_project(version), free_port(), root / "stock.log")
        settings = Settings(
            database_url=f"sqlite:///{root / 'bench.db'}",
            office_hours="mon-sun 00:00-24:00",
            # Every simulated user comes from 127.0.0.1: the per-address and per-conversation limits would refuse them.
            conversations_per_hour=10**7,
            messages_per_minute=10**6,
            advisor_requests_per_hour=10**6,
        )
        stack = Stack(settings, service_port=free_port(), engine_port=free_port(), log_dir=root / "log")
        say("==> starting the stock bot and this project's stack (engine and service)")
        stock.start()
        stack.start()
        stock.wait_ready()
        stack.wait_ready(timeout=300)
        assert stock.process is not None
        ours = OurBot(stack.service_url, {name: process.pid for name, process in stack.processes.items()}, settings)
        systems: list[System] = [StockBot(stock.url, stock.process.pid), ours]
        results = asyncio.run(measure(systems, args.users, args.seconds))
        failed = False
    except KeyboardInterrupt:
        say("\n==> interrupted")
        return 130
    finally:
        for stop_signal in (signal.SIGTERM, signal.SIGINT):  # a second signal must not cut the clean-up short
            signal.signal(stop_signal, signal.SIG_IGN)
        say("==> stopping")
        if stock:
            stock.stop()
        if stack:
            stack.stop()
        if failed or args.keep:
            say(f"   logs and database kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(
        f"Load: {', '.join(map(str, args.users))} concurrent users, {args.seconds:.0f} s per level and system, "
        f"stock rasa init (Rasa {version}) vs ours, {os.cpu_count()} CPUs ({time.monotonic() - started:.0f} s)\n"
    )
    print(report(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(as_json(results, args, version), indent=1), encoding="utf-8")
        print(f"\nraw numbers: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
