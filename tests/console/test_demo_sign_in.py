"""``wecombot demo`` prints the console's address and a sign-in that works (a newcomer's first step)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

from aiohttp import ClientSession, CookieJar

from bot.embedded import listen


async def _read_until(stream: asyncio.StreamReader, marker: str, seconds: float) -> str:
    seen = ""
    async with asyncio.timeout(seconds):
        while marker not in seen:
            line = await stream.readline()
            if not line:
                raise AssertionError(f"demo exited early:\n{seen}")
            seen += line.decode()
    return seen


async def test_the_demo_prints_a_console_sign_in_that_works(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/demo.sqlite3",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "demo",
        "--port",
        "0",  # any free ports: the test reads the address the demo prints
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    try:
        assert process.stdout is not None
        printed = await _read_until(process.stdout, "Ctrl-C", 120)
        console = re.search(r"console:\s+(http://127\.0\.0\.1:\d+/console/)", printed)
        sign_in = re.search(r"sign in as (\S+) / (\S+)", printed)
        assert console and sign_in, printed
        async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
            form = {"username": sign_in.group(1), "password": sign_in.group(2), "next": "/console/"}
            async with http.post(console.group(1).removesuffix("/") + "/login", data=form) as resp:
                assert resp.status == 200 and resp.url.path == "/console/"
                page = await resp.text()
        assert "管理员" in page and "模拟器" in page  # the admin sees the simulator's controls
    finally:
        process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


async def test_the_demo_names_a_taken_port_and_the_option_to_change_it(tmp_path: Path) -> None:
    with listen(0, "test") as taken:
        port = taken.getsockname()[1]
        taken.listen()
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/demo.sqlite3"}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "bot", "demo", "--port", "0", "--sandbox-port", str(port)),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2, (out, err)
    message = err.decode()
    assert f"127.0.0.1:{port}" in message and "--sandbox-port" in message
    assert "Traceback" not in message
