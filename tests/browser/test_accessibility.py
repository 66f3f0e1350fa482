"""axe-core (WCAG 2.1 A and AA rules) on every page of the book, in light and in dark mode.

axe-core comes from the npm registry (pinned in web/package-lock.json) and is injected by the
test, not served to readers. A page passes with zero serious or critical violations; the counts
of every impact level are printed per page (run with ``-s`` to see the table).
"""

from __future__ import annotations

import pytest

from .conftest import ROOT, toc_pages

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
IMPACTS = ("critical", "serious", "moderate", "minor")

_RUN = """async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                     resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.length, where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


def axe_violations(page):
    """Run axe-core on the open page; a list of {id, impact, help, nodes, where}."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(_RUN, TAGS)


def set_mode(page, mode):
    """Switch the theme's colour mode (as its toggle does) and wait for the styles to apply."""
    page.evaluate("""(mode) => {
        document.documentElement.dataset.mode = mode;
        document.documentElement.dataset.theme = mode;
        localStorage.setItem('mode', mode); localStorage.setItem('theme', mode); }""", mode)
    page.wait_for_function("(m) => getComputedStyle(document.documentElement)"
                           ".colorScheme.includes(m) || document.documentElement.dataset.theme"
                           " === m", arg=mode)


@pytest.mark.browser
@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("path", toc_pages())
def test_no_serious_accessibility_violations(open_page, path, mode):
    page, _ = open_page(f"{path}.html")
    set_mode(page, mode)
    found = axe_violations(page)
    counts = {k: sum(v["nodes"] for v in found if v["impact"] == k) for k in IMPACTS}
    print(f"\naxe {mode:5s} {path:32s} " + " ".join(f"{k}={counts[k]}" for k in IMPACTS))
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    assert not bad, f"{path} ({mode}): " + "; ".join(
        f"{v['id']} ({v['impact']}, {v['nodes']} nodes: {v['help']}; e.g. {v['where']})"
        for v in bad)
