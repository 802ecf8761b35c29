"""The HTML report: self-contained, right-to-left, auditable, and loaded in a real browser.

The browser test drives headless Chromium over the DevTools protocol on a pipe (`--remote-debugging-pipe`,
no extra packages): it loads the report, collects console errors, uncaught exceptions and blocked loads,
checks direction, font and the theme filter, and saves screenshots into the test's tmp folder.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from egm_text.export import tables
from egm_text.pipeline import line_stats, run
from egm_text.report import build_report, highlight, unit_anchor, write_report
from tests.conftest import RAW

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
THEMES = ["التعاون الدولي", "بناء القدرات", "الأدلة الإلكترونية", "حقوق الإنسان"]


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def pipeline_result(tmp_path_factory, repairer):
    out = tmp_path_factory.mktemp("report_run")
    res = run(RAW, out, repairer=repairer, analyze=False, report=False)
    frames = tables(res.doc, line_stats(res.repairs))
    return res, frames, out


def with_fake_analysis(frames: dict, figures: Path) -> dict:
    """The tables as the analysis stage leaves them (its columns, tables and figures), made up here."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frames = {k: v.copy() for k, v in frames.items()}
    recs = frames["recommendations"]
    ids = list(recs["id"])
    recs["themes"] = [json.dumps([THEMES[i % 4]] + ([THEMES[(i + 1) % 4]] if i % 3 == 0 else []), ensure_ascii=False)
                      for i in range(len(recs))]
    recs["theme_scores"] = [json.dumps({THEMES[i % 4]: 0.5}, ensure_ascii=False) for i in range(len(recs))]
    recs["cluster"] = pd.array([i % 7 for i in range(len(recs))], dtype="Int64")
    recs["neighbours"] = [json.dumps([[ids[(i + 1) % len(ids)], 0.8]]) for i in range(len(recs))]
    frames["similar_pairs"] = pd.DataFrame({"a": ids[:10], "b": ids[1:11], "similarity": [0.9 - i / 100 for i in range(10)]})
    frames["topics"] = pd.DataFrame({"topic": [0, 1], "terms": ["التعاون الدولي، تسليم", "الأدلة الإلكترونية"]})
    figures.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.bar(["a", "b", "c"], [3, 5, 2])
    fig.savefig(figures / "theme_counts.png")
    fig.savefig(figures / "similarity_heatmap.svg")
    plt.close(fig)
    return frames


@pytest.fixture(scope="module")
def reports(pipeline_result, tmp_path_factory):
    res, frames, _ = pipeline_result
    plain_dir = tmp_path_factory.mktemp("plain")
    plain = write_report(res, frames, plain_dir / "report.html")
    full_dir = tmp_path_factory.mktemp("full")
    full_frames = with_fake_analysis(frames, full_dir / "figures")
    full = write_report(res, full_frames, full_dir / "report.html")
    return {"plain": plain, "full": full}


# --- the HTML itself -------------------------------------------------------------------------------


def test_report_is_self_contained_rtl_and_offline(reports):
    page = reports["full"].read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="ar" dir="rtl">' in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # nothing is fetched: no external URLs in src/href/url(), only data URIs and in-page anchors
    assert not re.search(r"""(?:src|href)=["'](?!data:|#)""", page)
    assert not re.search(r"url\((?!data:)", page)
    assert "@font-face" in page and "font/woff" in page
    assert '"Amiri", "Noto Naskh Arabic", "Arial"' in page
    assert not list(reports["full"].parent.glob(".report.html.*.tmp"))  # atomic: no temp file left


def test_embedded_font_is_the_same_bytes_each_run():
    """The font subset keeps the font's own date, not the run's: the same report text gives the same file."""
    from egm_text.report import _font_face, amiri_font_face

    first = amiri_font_face("الأمم المتحدة")
    _font_face.cache_clear()
    time.sleep(1.1)  # (the timestamp a subset would take from the clock has whole seconds)
    assert first and amiri_font_face("الأمم المتحدة") == first


def test_report_has_overview_units_and_line_anchors(reports, pipeline_result):
    res, frames, _ = pipeline_result
    page = reports["plain"].read_text(encoding="utf-8")
    assert res.doc.symbol in page
    s = res.summary
    for key in ("words_changed", "low_confidence_words"):
        assert f'<span class="n">{s[key]:,}</span>' in page
    assert f'<span class="n">{s["paragraphs"]}</span>' in page
    # every non-empty source line has an anchor, and every unit has one
    for line in res.doc.lines:
        if line.raw.strip():
            assert f'id="L{line.lineno}"' in page
    for unit in res.doc.units:
        assert f'id="{unit_anchor(unit.uid)}"' in page
    # the first paragraph's repaired text is there, with a changed word marked
    assert "طلبت الجمعية العامة" in page
    assert 'class="chg"' in page and 'class="chg low' in page and "alternatives: " in page
    # a line ordered by a narrow margin shows the other order it might be in
    assert page.count('class="alt-order"') == sum(1 for r in res.repairs if r.order_alternative) > 0
    assert "other possible order: (" in page  # a list item's first line: with its label, as the chosen line
    # no analysis: no analysis section, the filter still works on text alone
    assert 'id="analysis"' not in page and 'id="text-filter"' in page


def test_report_uses_analysis_outputs_when_present(reports):
    page = reports["full"].read_text(encoding="utf-8")
    assert 'id="analysis"' in page
    assert page.count("data:image/png;base64,") == 1 and page.count("data:image/svg+xml;base64,") == 1
    assert f'<option value="{THEMES[0]}">' in page
    assert "Similar pairs" in page and "Topics" in page
    assert "الأقرب · similar" in page  # neighbours linked from the units


def test_highlight_escapes_and_marks_in_order():
    from types import SimpleNamespace as W

    words = [
        W(garbled="ابك", text="كتب", confidence=0.3, alternatives=[("كتاب", -2.0), ("كتاب", -3.0)], known=True),
        W(garbled="x<y", text="<كتب>", confidence=0.9, alternatives=[], known=False),
    ]
    out = highlight("كتب <كتب> كتب", words)
    assert out.startswith('<mark class="chg low" title="raw: ابك · confidence 0.30 · alternatives: كتاب">كتب</mark>')
    assert '<mark class="chg unk" title="raw: x&lt;y' in out and "&lt;كتب&gt;</mark> كتب" in out


def test_report_survives_odd_frames(pipeline_result, tmp_path):
    """Empty tables, missing ones, odd analysis values: the report still renders."""
    res, frames, _ = pipeline_result
    odd = {k: v.copy() for k, v in frames.items()}
    odd["recommendations"] = odd["recommendations"].head(3)
    odd["recommendations"]["themes"] = [None, "not json", json.dumps(["<script>alert(1)</script>"])]
    odd["recommendations"]["cluster"] = pd.array([None, 1, 2], dtype="Int64")
    odd["recommendations"]["neighbours"] = [None, "[]", json.dumps([["nope", "x"]])]
    odd["similar_pairs"] = pd.DataFrame({"x": [1], "y": ["z"]})
    odd["topics"] = pd.DataFrame()
    del odd["footnotes"]
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "empty.png").write_bytes(b"")
    page = build_report(res, odd, figures_dir=tmp_path / "figures", embed_font=False)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    page = build_report(res, {}, figures_dir=tmp_path / "missing", embed_font=False)
    assert "No recommendations" in page


def test_write_report_failure_leaves_no_partial_file(pipeline_result, tmp_path, monkeypatch):
    import egm_text.report as report

    res, frames, _ = pipeline_result
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")

    def boom(*a, **k):
        raise RuntimeError("render failed")

    monkeypatch.setattr(report, "build_report", boom)
    with pytest.raises(RuntimeError):
        report.write_report(res, frames, target)
    assert target.read_text(encoding="utf-8") == "old" and len(list(tmp_path.iterdir())) == 1


def test_pipeline_writes_the_report(tmp_path, repairer):
    res = run(RAW, tmp_path, repairer=repairer, analyze=False)
    html = tmp_path / "report.html"
    assert html in res.outputs and html.stat().st_size > 100_000


# --- a real browser ---------------------------------------------------------------------------------


class DevTools:
    """A minimal Chrome DevTools Protocol client over `--remote-debugging-pipe` (fd 3 in, fd 4 out)."""

    def __init__(self, binary: str, profile: Path, *, width: int = 1300, height: int = 1600) -> None:
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # move the child's ends out of the way of fds 3 and 4 before the child dup2()s them there
        child_in = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
        child_out = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
        os.close(to_chrome_r)
        os.close(from_chrome_w)

        def wire() -> None:
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        args = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
                f"--window-size={width},{height}", "--hide-scrollbars", "about:blank"]
        self.proc = subprocess.Popen(args, pass_fds=(3, 4), preexec_fn=wire, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(child_in)
        os.close(child_out)
        self.w, self.r = to_chrome_w, from_chrome_r
        self.buf = b""
        self.next_id = 0
        self.events: list[dict] = []
        self.session: str | None = None

    def send(self, method: str, params: dict | None = None, *, timeout: float = 30, session: bool = True) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read(timeout)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, timeout: float = 30) -> dict:
        for ev in self.events:
            if ev.get("method") == method:
                return ev
        while True:
            ev = self._read(timeout)
            self.events.append(ev)
            if ev.get("method") == method:
                return ev

    def _read(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.r], [], [], max(0.0, left))
            if not ready:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def open(self, url: str) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired", timeout=60)

    def evaluate(self, expr: str):
        res = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in res:
            raise RuntimeError(json.dumps(res["exceptionDetails"])[:500])
        return res["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and browser log errors (blocked loads, CSP) so far."""
        out = []
        for ev in self.events:
            m, p = ev.get("method"), ev.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append("Uncaught " + json.dumps(p.get("exceptionDetails", {}), ensure_ascii=False)[:300])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
                out.append("CONSOLE " + json.dumps(p.get("args", []), ensure_ascii=False)[:300])
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
                out.append("LOG " + p["entry"].get("text", "")[:300])
        return out

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False, timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.w, self.r):
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture
def browser(tmp_path):
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no chromium binary on PATH (install Debian's `chromium` to run the browser test)")
    dt = DevTools(binary, tmp_path / "chromium-profile")
    yield dt
    dt.close()


@pytest.mark.slow
@pytest.mark.parametrize("which", ["full", "plain"])
def test_report_in_headless_chromium(browser, reports, tmp_path, which):
    path = reports[which]
    browser.open(path.resolve().as_uri())
    state = browser.evaluate(
        """(async () => {
            await document.fonts.ready;
            const html = document.documentElement;
            const cell = document.querySelector('#L8 td.rep');
            return {
              dir: getComputedStyle(html).direction, lang: html.lang,
              amiri: document.fonts.check('16px Amiri', 'ب'),
              family: getComputedStyle(cell).fontFamily,
              cellText: cell.textContent,
              rows: document.querySelectorAll('#rec-table tbody tr').length,
              imgs: Array.from(document.images).map(i => i.complete && i.naturalWidth > 0),
              width: html.scrollWidth, viewport: window.innerWidth,
            };
        })()"""
    )
    assert state["dir"] == "rtl" and state["lang"] == "ar"
    assert state["amiri"] and state["family"].startswith('Amiri')
    assert "طلبت الجمعية العامة" in state["cellText"]
    assert state["rows"] == 117
    assert all(state["imgs"]) and len(state["imgs"]) == (2 if which == "full" else 0)
    assert state["width"] <= state["viewport"] + 1  # no horizontal overflow
    shot = browser.screenshot(tmp_path / f"report-{which}-top.png")
    if which == "full":
        shown = browser.evaluate(
            f"""(() => {{
                const sel = document.getElementById('theme-filter');
                sel.value = {json.dumps(THEMES[1], ensure_ascii=False)};
                sel.dispatchEvent(new Event('change'));
                const visible = Array.from(document.querySelectorAll('#rec-table tbody tr')).filter(r => !r.hidden);
                return {{n: visible.length, ok: visible.every(r => r.dataset.themes.includes(sel.value)),
                         count: document.getElementById('rec-count').textContent}};
            }})()"""
        )
        assert 0 < shown["n"] < 117 and shown["ok"] and shown["count"] == f"{shown['n']} / 117"
        browser.evaluate("document.getElementById('analysis').scrollIntoView()")
        browser.screenshot(tmp_path / "report-full-analysis.png")
    browser.evaluate("document.getElementById('u-para-1').scrollIntoView()")
    units = browser.screenshot(tmp_path / f"report-{which}-units.png")
    for png in (shot, units):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert browser.problems() == []
    keep = os.environ.get("EGM_REPORT_SCREENSHOTS")
    if keep:  # EGM_REPORT_SCREENSHOTS=folder keeps the screenshots for a look
        Path(keep).mkdir(parents=True, exist_ok=True)
        for png in tmp_path.glob("*.png"):
            shutil.copy(png, Path(keep) / png.name)


def test_figures_prefer_png_and_skip_stale_ones(pipeline_result, tmp_path):
    res, frames, _ = pipeline_result
    figs = tmp_path / "figures"
    figs.mkdir()
    (figs / "unit_map.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    (figs / "unit_map.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    # no analysis columns or tables: a figures/ folder there is left over from another run
    page = build_report(res, frames, figures_dir=figs, embed_font=False)
    assert "data:image/" not in page
    with_analysis = {**frames, "topics": pd.DataFrame({"topic": [0]})}
    page = build_report(res, with_analysis, figures_dir=figs, embed_font=False)
    assert page.count("data:image/png;base64,") == 1 and "data:image/svg+xml" not in page


@pytest.mark.slow
def test_the_browser_check_catches_errors(browser, tmp_path):
    """The checker itself: a page with an uncaught error, a console error and a blocked load is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "script-src 'unsafe-inline'\"></head><body><img src=\"http://192.0.2.1/x.png\">"
        "<script>console.error('boom'); undefinedFunction();</script></body></html>",
        encoding="utf-8",
    )
    browser.open(bad.as_uri())
    browser.evaluate("1")
    found = " ".join(browser.problems())
    assert "Uncaught" in found and "CONSOLE" in found and "Content Security Policy" in found
