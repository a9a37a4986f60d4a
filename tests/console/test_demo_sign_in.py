"""``wecombot demo`` prints the console's address and a sign-in that works (a newcomer's first step)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

from aiohttp import ClientSession, CookieJar

from bot.embedded import free_port


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
    port = free_port()
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
        str(port),
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
