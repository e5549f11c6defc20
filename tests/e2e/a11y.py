"""Accessibility and layout checks for the browser tests.

`axe_violations(page)` runs axe-core (vendored: tests/e2e/vendor/axe.min.js,
4.14.1, MPL-2.0) on the page as it is and returns the violations of the given
impacts. The script goes in through the DevTools protocol (page.evaluate), not
a <script> tag, so the site's Content-Security-Policy stays as strict as in
production and is not what lets the checker in.

`visit(page, path, lang=...)` opens a page in a language: it sets Django's
language cookie and adds `?lang=` to the address, so the same checks run on
the Arabic (right-to-left) pages by passing lang="ar".
"""

from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings

AXE_VERSION = "4.14.1"
AXE_SOURCE = Path(__file__).parent / "vendor" / "axe.min.js"
SERIOUS = ("serious", "critical")

_RUN = """async (impacts) => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations
    .filter((v) => impacts.includes(v.impact))
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
    }));
}"""


def axe_violations(page, *, impacts: tuple[str, ...] = SERIOUS) -> list[dict]:
    """axe-core's violations on the current page with one of `impacts`."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    return page.evaluate(_RUN, list(impacts))


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"  [{v['impact']}] {v['id']}: {v['help']} at {', '.join(v['nodes'])}" for v in violations
    )


def visit(page, path: str, *, origin: str, lang: str | None = None):
    """Open `path` of the site at `origin` (the live server's URL), in `lang` when
    given (the language cookie and ?lang=); returns the response."""
    if lang:
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": origin}]
        )
        path = f"{path}{'&' if '?' in path else '?'}{urlencode({'lang': lang})}"
    return page.goto(origin + path)


def overflow_x(page) -> dict | None:
    """None when nothing is wider than the viewport; else the widths and the
    widest elements, to say what to fix.

    Right to left, what sticks out past the right edge (the line's start) is cut
    off rather than scrollable and leaves scrollWidth alone, so the visible
    elements that cross either edge count too."""
    return page.evaluate(
        """() => {
          const doc = document.documentElement;
          const wide = [];
          for (const el of document.body.querySelectorAll("*")) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue;
            if (getComputedStyle(el).visibility === "hidden") continue;
            if (r.right > window.innerWidth + 1 || r.left < -1) {
              wide.push(el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "") + " " + Math.round(r.width));
            }
          }
          if (doc.scrollWidth <= window.innerWidth && wide.length === 0) return null;
          return {scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, wide: wide.slice(0, 8)};
        }"""
    )
