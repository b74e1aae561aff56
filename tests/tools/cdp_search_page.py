#!/usr/bin/env python3
"""Drives the search page of 'zhs serve' in headless Chromium over the
DevTools protocol (standard library only: a minimal WebSocket client).

usage: cdp_search_page.py CHROMIUM PAGE_URL QUERY EXPECT_TITLE SCREENSHOT.png

Starts Chromium on a free loopback debugging port, loads PAGE_URL, types
QUERY into the search box as text input, presses Enter, waits for hits and
checks the DOM: a hit whose title contains EXPECT_TITLE, a <mark> highlight
in a snippet, a file:line, the pagination.  Also checks that an Enter
pressed while an input method is composing does not search.  Saves a
screenshot.  Prints "ok ..." lines; exits 0 on success, 1 on a failed check,
77 when Chromium cannot start here (the caller reports a skip).

Every wait is bounded: the whole run gives up after about 60 seconds.
"""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

DEADLINE = time.monotonic() + 60


def left():
    return max(0.1, DEADLINE - time.monotonic())


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: text frames, client
    masking, extended lengths, control frames ignored."""

    def __init__(self, url):
        assert url.startswith("ws://127.0.0.1:"), url
        hostport, path = url[5:].split("/", 1)
        host, port = hostport.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=left())
        key = base64.b64encode(os.urandom(16)).decode()
        req = (f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("DevTools closed the WebSocket handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError("DevTools refused the WebSocket: " + head.split(b"\r\n", 1)[0].decode())
        self.buf = head.split(b"\r\n\r\n", 1)[1]

    def send(self, text):
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            hdr = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            hdr = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        self.sock.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n):
        while len(self.buf) < n:
            self.sock.settimeout(left())
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("DevTools closed the WebSocket")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            payload = self._read(n)
            op = b0 & 0x0F
            if op in (0x8, 0x9, 0xA):
                continue
            message += payload
            if b0 & 0x80:
                return message.decode()


class Page:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while time.monotonic() < DEADLINE:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
        raise TimeoutError(method)

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait(self, expr, what, timeout=15):
        until = min(DEADLINE, time.monotonic() + timeout)
        while time.monotonic() < until:
            v = self.js(expr)
            if v:
                return v
            time.sleep(0.1)
        raise TimeoutError(f"waiting for {what}")

    def key(self, key, code, vk, text=None):
        down = {"type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk}
        if text:
            down["text"] = text
        self.call("Input.dispatchKeyEvent", **down)
        self.call("Input.dispatchKeyEvent", type="keyUp", key=key, code=code, windowsVirtualKeyCode=vk,
                  nativeVirtualKeyCode=vk)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    chromium, url, query, expect_title, shot = sys.argv[1:6]
    assert url.startswith("http://127.0.0.1:"), "the test only talks to 127.0.0.1"
    profile = tempfile.mkdtemp(prefix="zhs-chromium.")
    port = free_port()
    log = open(os.path.join(profile, "chromium.log"), "w")
    proc = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--disable-extensions", "--disable-background-networking", "--disable-sync",
                             "--window-size=1100,900", f"--user-data-dir={profile}",
                             "--remote-debugging-address=127.0.0.1", f"--remote-debugging-port={port}", "about:blank"],
                            stdout=log, stderr=subprocess.STDOUT)
    failed = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what, flush=True)
        if not ok:
            failed.append(what)

    try:
        target = None
        until = time.monotonic() + 20
        while time.monotonic() < until and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                    pages = [t for t in json.load(r) if t.get("type") == "page"]
                if pages:
                    target = pages[0]
                    break
            except OSError:
                pass
            time.sleep(0.2)
        if not target:
            log.flush()
            with open(os.path.join(profile, "chromium.log")) as f:
                tail = f.read()[-800:]
            print(f"Chromium did not start a debuggable page (exit {proc.poll()}): {tail}", file=sys.stderr)
            return 77
        page = Page(WebSocket(target["webSocketDebuggerUrl"]))
        page.call("Page.enable")
        page.call("Runtime.enable")
        page.call("Page.navigate", url=url)
        page.wait("document.readyState === 'complete' && !!document.getElementById('q')", "the page to load")
        check(True, "the page loads and has a search box")

        # An Enter that commits an input method's candidate must not search.
        page.js("document.getElementById('q').focus()")
        page.call("Input.imeSetComposition", text="geren", selectionStart=5, selectionEnd=5)
        page.key("Enter", "Enter", 229)
        time.sleep(0.5)
        n = page.js("document.querySelectorAll('#hits li').length")
        status = page.js("document.getElementById('status').textContent")
        check(n == 0 and status == "", f"Enter during an IME composition does not search (hits {n}, status {status!r})")
        page.call("Input.insertText", text="")
        page.js("document.getElementById('q').value = ''")

        # Type the query (committed text, as an input method delivers it), press Enter.
        page.js("document.getElementById('q').focus()")
        page.call("Input.insertText", text=query)
        page.key("Enter", "Enter", 13, "\r")
        n = page.wait("document.querySelectorAll('#hits li.hit').length", "hits to appear")
        check(n >= 1, f"pressing Enter shows hits ({n})")
        titles = page.js("Array.from(document.querySelectorAll('#hits .title')).map(e => e.textContent)")
        check(any(expect_title in t for t in titles), f"a hit's title contains {expect_title!r} ({titles[:3]})")
        marks = page.js("Array.from(document.querySelectorAll('#hits .snippet mark')).map(e => e.textContent)")
        check(len(marks) > 0, f"snippets highlight the matches ({marks[:5]})")
        crumbs = page.js("document.querySelector('#hits .crumbs').textContent")
        check("›" in crumbs, f"the first hit shows title › heading › article ({crumbs!r})")
        where = page.js("document.querySelector('#hits .where').textContent")
        check(":" in where and where.split(":")[-1].isdigit(), f"the first hit shows file:line ({where!r})")
        status = page.js("document.getElementById('status').textContent")
        check("条结果" in status, f"the status line gives the number of results ({status!r})")
        loc = page.js("location.search")
        check("q=" in loc, f"the address holds the query ({loc!r})")
        nav = page.js("!document.getElementById('nav').hidden")
        nextok = page.js("!document.getElementById('next').disabled")
        check(nav, "pagination is shown")
        if nextok:
            first = page.js("document.querySelector('#hits li').dataset.doc")
            page.js("document.getElementById('next').click()")
            page.wait(f"document.querySelector('#hits li') && document.querySelector('#hits li').dataset.doc !== '{first}'"
                      " && document.getElementById('page').textContent.includes('2')", "page 2")
            check(True, "the next page shows other hits")
            page.js("document.getElementById('prev').click()")
            page.wait(f"document.querySelector('#hits li') && document.querySelector('#hits li').dataset.doc === '{first}'",
                      "page 1 again")
            check(True, "the previous page comes back")
        shot_data = page.call("Page.captureScreenshot", format="png")["data"]
        with open(shot, "wb") as f:
            f.write(base64.b64decode(shot_data))
        check(os.path.getsize(shot) > 1000, f"screenshot saved as {shot}")
    except (TimeoutError, RuntimeError, ConnectionError, OSError) as e:
        check(False, f"browser session: {e}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
        shutil.rmtree(profile, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
