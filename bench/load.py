"""Load generators for the page benchmarks.

- :func:`open_loop`: requests sent at a fixed average rate with exponential (Poisson) spacing, each timed
  from its *scheduled* send time, so a server (or client) that falls behind shows up as latency instead
  of silently lowering the rate (coordinated omission). asyncio + aiohttp, no connection limit: the
  queue forms at the server, not in the client.
- :func:`closed_loop`: N connections each sending the next request as soon as the previous answer
  arrives (requests per second at saturation). Uses ``wrk`` when installed, else aiohttp.
"""
from __future__ import annotations

import asyncio
import math
import random
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass
class OpenLoopResult:
    url: str
    rate: float  # requests per second asked for
    sent: int
    latencies: list[float] = field(default_factory=list)  # seconds, from the scheduled send time
    errors: int = 0
    send_lag: list[float] = field(default_factory=list)  # how late the client started each request
    elapsed: float = 0.0
    error_samples: list[str] = field(default_factory=list)
    overloaded: bool = False  # stopped sending: too many requests were waiting for an answer

    def p(self, q: float) -> float:
        """Percentile in ms over every request sent, an error counting as an infinitely slow answer."""
        return percentile(self.latencies + [math.inf] * self.errors, q) * 1000

    @property
    def achieved(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def summary(self) -> str:
        return (f"{self.rate:6.0f}/s{' OVERLOADED' if self.overloaded else ''}  p50 {self.p(.5):7.1f} ms  p95 {self.p(.95):7.1f} ms  p99 {self.p(.99):7.1f} ms  "
                f"errors {self.errors}/{self.sent}  client lag p99 {percentile(self.send_lag, .99) * 1000:.1f} ms")


async def _open_loop(url: str, rate: float, duration: float, headers: dict, expect: bytes | None, seed: int,
                     timeout: float, max_outstanding: int) -> OpenLoopResult:
    import aiohttp

    result = OpenLoopResult(url, rate, 0)
    rng = random.Random(seed)
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    loop = asyncio.get_running_loop()

    outstanding = 0

    async def one(session, scheduled: float) -> None:
        nonlocal outstanding
        outstanding += 1
        result.send_lag.append(max(0.0, loop.time() - scheduled))
        try:
            async with session.get(url, headers=headers, allow_redirects=False) as response:
                body = await response.read()
                ok = response.status == 200 and (expect is None or expect in body)
                if not ok and len(result.error_samples) < 3:
                    result.error_samples.append(f"HTTP {response.status}")
        except Exception as error:  # noqa: BLE001 - every failure is an error of the run
            ok = False
            if len(result.error_samples) < 3:
                result.error_samples.append(repr(error)[:200])
        finished = loop.time()
        outstanding -= 1
        if ok:
            result.latencies.append(finished - scheduled)
        else:
            result.errors += 1

    async with aiohttp.ClientSession(connector=connector, timeout=client_timeout, cookie_jar=aiohttp.DummyCookieJar()) as session:
        tasks = []
        start = loop.time() + 0.05
        scheduled = start
        end = start + duration
        while True:
            scheduled += rng.expovariate(rate)
            if scheduled >= end:
                break
            if outstanding >= max_outstanding:  # the server has fallen far behind: stop piling on
                result.overloaded = True
                break
            delay = scheduled - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(one(session, scheduled)))
            result.sent += 1
        await asyncio.gather(*tasks)
        result.elapsed = loop.time() - start
    return result


def open_loop(url: str, rate: float, duration: float, *, headers: dict | None = None, expect: bytes | None = None,
              seed: int = 1, timeout: float = 10.0, max_outstanding: int = 300) -> OpenLoopResult:
    """Send GET ``url`` at ``rate`` requests/s (Poisson arrivals) for ``duration`` seconds. A request is an
    error unless it answers 200 (and contains ``expect``); latency runs from its scheduled send time.
    When ``max_outstanding`` requests wait for an answer the run stops early, marked ``overloaded`` (the
    percentiles then cover what was sent: the server is past saturation, and its queue would otherwise
    keep it busy long after the run)."""
    return asyncio.run(_open_loop(url, rate, duration, headers or {}, expect, seed, timeout, max_outstanding))


@dataclass
class ClosedLoopResult:
    url: str
    connections: int
    requests_per_s: float
    errors: int
    tool: str


def _wrk(url: str, connections: int, duration: float, headers: dict) -> ClosedLoopResult:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, timeout=duration + 60).stdout
    match = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    if not match:
        raise RuntimeError(f"wrk gave no figure: {output[-500:]}")
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses:\s+(\d+)", r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                                                          r"timeout (\d+)"):
        found = re.search(pattern, output)
        if found:
            errors += sum(int(group) for group in found.groups())
    return ClosedLoopResult(url, connections, float(match.group(1)), errors, "wrk")


async def _closed_loop(url: str, connections: int, duration: float, headers: dict) -> ClosedLoopResult:
    import aiohttp

    done = errors = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections),
                                     cookie_jar=aiohttp.DummyCookieJar()) as session:
        end = time.perf_counter() + duration

        async def worker():
            nonlocal done, errors
            while time.perf_counter() < end:
                try:
                    async with session.get(url, headers=headers, allow_redirects=False) as response:
                        await response.read()
                        if response.status == 200:
                            done += 1
                        else:
                            errors += 1
                except Exception:  # noqa: BLE001
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return ClosedLoopResult(url, connections, done / elapsed, errors, "aiohttp")


def closed_loop(url: str, connections: int = 64, duration: float = 10.0, *, headers: dict | None = None,
                tool: str = "auto") -> ClosedLoopResult:
    """Requests per second with ``connections`` busy connections (wrk when present)."""
    if tool in ("auto", "wrk") and shutil.which("wrk"):
        return _wrk(url, connections, duration, headers or {})
    if tool == "wrk":
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    return asyncio.run(_closed_loop(url, connections, duration, headers or {}))
