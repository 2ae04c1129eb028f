"""A headless Chromium driven by Playwright, seen as text and acted on by element number.

One browser per environment (started on first use), one fresh context per task (no
cookies, storage or history carried over). The browser is Debian's Chromium at
`executable_path` (never Playwright's own downloads); `close()` stops it, and Playwright's
driver stops it too if this process dies.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from acon.errors import AconError
from environments.webvoyager.config import BrowserConfig

log = logging.getLogger(__name__)
SNAPSHOT_JS = (Path(__file__).resolve().parent / "snapshot.js").read_text(encoding="utf-8")
# The window by 80% of a screen; where the window does not move (an app that scrolls an inner
# panel), the largest scrollable element instead. True if anything moved.
SCROLL_JS = """sign => {
  const step = Math.round(window.innerHeight * 0.8) * sign;
  const y = window.scrollY;
  window.scrollBy(0, step);
  if (window.scrollY !== y) return true;
  const panels = [...document.querySelectorAll("*")].filter((el) => {
    const o = getComputedStyle(el).overflowY;
    return (o === "auto" || o === "scroll") && el.scrollHeight > el.clientHeight + 10;
  });
  panels.sort((a, b) => b.clientWidth * b.clientHeight - a.clientWidth * a.clientHeight);
  if (!panels.length) return false;
  const top = panels[0].scrollTop;
  panels[0].scrollBy(0, step);
  return panels[0].scrollTop !== top;
}"""


@dataclass(frozen=True)
class Snapshot:
    url: str
    title: str
    text: str
    truncated: bool
    elements: int
    scroll_y: int
    viewport_height: int
    page_height: int

    def render(self) -> str:
        """The observation: where the agent is, the page text, and what lies beyond it."""
        above = self.scroll_y > 0
        below = self.truncated or self.scroll_y + self.viewport_height < self.page_height - 5
        where = []
        if above:
            where.append("more above (scroll up)")
        if below:
            where.append("more below (scroll down)")
        lines = [f"URL: {self.url}", f"Title: {self.title}", ""]
        lines.append(self.text or "(no visible text)")
        if where:
            lines += ["", f"[{'; '.join(where)}]"]
        return "\n".join(lines)


class Browser:
    def __init__(self, config: BrowserConfig | None = None):
        self.config = config or BrowserConfig()
        self._pw: Any = None
        self._browser: Any = None
        self._context: Any = None
        self.page: Any = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> None:
        if self._browser is not None:
            return
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as exc:
            raise AconError(
                "Playwright is missing: install the extra with `pip install -e '.[webvoyager]'`."
            ) from exc
        exe = Path(self.config.executable_path)
        if not exe.exists():
            raise AconError(
                f"No browser at {exe}: run `make chromium` (apt-get install chromium) or set "
                "env.browser.executable_path."
            )
        started = time.perf_counter()
        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(
                executable_path=str(exe), headless=self.config.headless, args=self.config.args
            )
        except Exception:
            self._pw.stop()
            self._pw = None
            raise
        log.info("Chromium started in %.2f s", time.perf_counter() - started)

    def new_context(self) -> None:
        """A fresh context and page: nothing from an earlier task survives."""
        self.start()
        if self._context is not None:
            self._context.close()
        self._context = self._browser.new_context(
            viewport={"width": self.config.viewport_width, "height": self.config.viewport_height}
        )
        self._context.set_default_timeout(self.config.action_timeout_ms)
        self._context.set_default_navigation_timeout(self.config.navigation_timeout_ms)
        # A click that opens a tab anyway: follow it, as a person would.
        self._context.on("page", self._adopt)
        self.page = self._context.new_page()

    def _adopt(self, page: Any) -> None:
        self.page = page

    @property
    def running(self) -> bool:
        return self._browser is not None and self._browser.is_connected()

    def close(self) -> None:
        for closer in (self._context, self._browser):
            if closer is not None:
                try:
                    closer.close()
                except Exception as exc:  # already gone: nothing left to stop
                    log.debug("closing: %r", exc)
        if self._pw is not None:
            self._pw.stop()
        self._pw = self._browser = self._context = self.page = None

    def __enter__(self) -> Browser:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- seeing ----------------------------------------------------------------------
    def snapshot(self, *, from_viewport: bool = True, max_chars: int | None = None) -> Snapshot:
        limit = max_chars or self.config.max_obs_chars
        data = self.page.evaluate(SNAPSHOT_JS, {"maxChars": limit, "fromViewport": from_viewport})
        return Snapshot(
            url=self.page.url,
            title=self.page.title(),
            text=data["text"],
            truncated=data["truncated"],
            elements=data["elements"],
            scroll_y=data["scrollY"],
            viewport_height=data["viewportHeight"],
            page_height=data["pageHeight"],
        )

    def observe(self) -> str:
        return self.snapshot().render()

    def screenshot(self) -> bytes:
        return self.page.screenshot(type="png")

    # -- acting (each returns a short note on what happened) --------------------------
    def goto(self, url: str) -> str:
        if urlparse(url).scheme not in ("http", "https"):
            return f"Cannot open {url!r}: give a full http(s) URL."
        try:
            self.page.goto(url, wait_until="domcontentloaded")
        except Exception as exc:
            return f"Could not load {url}: {_short(exc)}"
        self._settle()
        return f"Opened {url}."

    def click(self, element: int) -> str:
        target = self._element(element)
        if target is None:
            return f"There is no element [{element}] on this page; use a number shown in it."
        try:
            target.click(timeout=self.config.action_timeout_ms)
        except Exception:
            # Covered or animated: a DOM click still follows links and fires handlers.
            try:
                target.evaluate("el => el.click()")
            except Exception as exc:
                return f"Could not click [{element}]: {_short(exc)}"
        self._settle()
        return f"Clicked [{element}]."

    def type(self, element: int, text: str, submit: bool = True) -> str:
        target = self._element(element)
        if target is None:
            return f"There is no element [{element}] on this page; use a number shown in it."
        try:
            if target.evaluate("el => el.tagName") == "SELECT":
                target.select_option(label=text)
                note = f"Selected {text!r} in [{element}]."
            else:
                target.fill(text)
                note = f"Typed {text!r} into [{element}]."
            if submit:
                target.press("Enter")
                note += " Pressed Enter."
        except Exception as exc:
            return f"Could not type into [{element}]: {_short(exc)}"
        self._settle()
        return note

    def scroll(self, direction: str) -> str:
        if direction not in ("up", "down"):
            return "Scroll direction must be 'up' or 'down'."
        sign = -1 if direction == "up" else 1
        moved = self.page.evaluate(SCROLL_JS, sign)
        self._settle(short=True)
        if not moved:
            return f"Already at the {'top' if sign < 0 else 'bottom'} of the page."
        return f"Scrolled {direction}."

    def go_back(self) -> str:
        try:
            self.page.go_back(wait_until="domcontentloaded")
        except Exception as exc:
            return f"Could not go back: {_short(exc)}"
        if self.page.url in ("about:blank", ""):
            # Behind the task's start page lies only the blank tab: stay where we were.
            self.page.go_forward(wait_until="domcontentloaded")
            return "There is no previous page."
        self._settle()
        return "Went back."

    # -- helpers -----------------------------------------------------------------------
    def _element(self, element: int) -> Any:
        locator = self.page.locator(f'[data-wv-id="{int(element)}"]')
        return locator.first if locator.count() else None

    def _settle(self, short: bool = False) -> None:
        """Give the page a moment to load what the action started, never long."""
        timeout = self.config.settle_ms // (4 if short else 1)
        try:
            page = self.page
            page.wait_for_load_state("domcontentloaded", timeout=self.config.navigation_timeout_ms)
            page.wait_for_load_state("load", timeout=timeout)
        except Exception:  # a slow page is still usable as it stands
            pass


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
