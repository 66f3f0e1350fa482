"""axe-core (WCAG 2.1 A and AA rules) on every page of the book, in light and in dark mode (in
dark mode the rules about colour, the only thing the mode changes).

axe-core comes from the npm registry (pinned in web/package-lock.json) and is injected by the
test, not served to readers. A page passes with zero serious or critical violations; the counts
of every impact level (violating elements) are printed per page at the end of the run.
"""

from __future__ import annotations

import pytest

from .conftest import ROOT, settled, toc_pages

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
IMPACTS = ("critical", "serious", "moderate", "minor")

# The rules whose verdict depends on colours, the only thing a colour mode changes (the theme
# swaps its CSS variables; the page's elements, names and roles stay as they are): in dark mode
# axe runs these, in light mode every rule of TAGS.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]

_RUN = """async ([tags, rules]) => {
  const only = rules ? {type: 'rule', values: rules} : {type: 'tag', values: tags};
  const r = await axe.run(document, {runOnly: only, resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.length, where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


def axe_violations(page, rules=None):
    """Run axe-core on the open page (every WCAG 2.1 A/AA rule, or only ``rules``); a list of
    {id, impact, help, nodes, where}."""
    if not page.evaluate("() => !!window.axe"):  # injected once per page load
        page.add_script_tag(path=str(AXE))
    return settled(page, _RUN, "axe-core", 60, [TAGS, rules])


_MODE_STATE = """() => ({mode: document.documentElement.dataset.mode ?? null,
  theme: document.documentElement.dataset.theme ?? null,
  lsMode: localStorage.getItem('mode'), lsTheme: localStorage.getItem('theme')})"""
_RESTORE = """(s) => {
  const d = document.documentElement.dataset;
  if (s.mode === null) delete d.mode; else d.mode = s.mode;
  if (s.theme === null) delete d.theme; else d.theme = s.theme;
  if (s.lsMode === null) localStorage.removeItem('mode'); else localStorage.setItem('mode', s.lsMode);
  if (s.lsTheme === null) localStorage.removeItem('theme');
  else localStorage.setItem('theme', s.lsTheme);
  return getComputedStyle(document.documentElement).colorScheme; }"""


def set_mode(page, mode):
    """Switch the theme's colour mode (as its toggle does) and wait for the styles to apply."""
    page.evaluate("""(mode) => {
        document.documentElement.dataset.mode = mode;
        document.documentElement.dataset.theme = mode;
        localStorage.setItem('mode', mode); localStorage.setItem('theme', mode); }""", mode)
    page.wait_for_function("(m) => getComputedStyle(document.documentElement)"
                           ".colorScheme.includes(m) || document.documentElement.dataset.theme"
                           " === m", arg=mode)
    page.evaluate(_FINISH_TRANSITIONS)


# The theme fades some colours (the search button's) when the mode changes: axe must see the
# colours the mode ends with, so every CSS transition this started is taken to its end state
# (getAnimations() applies the pending style changes first, which starts them). Waiting for
# them to finish instead stalled once, in a window that had stopped producing frames.
_FINISH_TRANSITIONS = """() => { document.getAnimations().filter(a => a instanceof CSSTransition)
  .forEach(a => a.finish()); return true; }"""


@pytest.mark.browser
@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("path", toc_pages())
def test_no_serious_accessibility_violations(pages, path, mode, record_property):
    # Both modes share the page's load with the other read-only tests of the page: the mode is
    # set as on a fresh page, and put back as it was afterwards.
    page, _ = pages.get(f"{path}.html")
    before = page.evaluate(_MODE_STATE)
    try:
        set_mode(page, mode)
        found = axe_violations(page, None if mode == "light" else COLOUR_RULES)
        if mode == "dark":  # the rules it ran are every colour rule of axe's WCAG A/AA set
            colour = page.evaluate("(tags) => axe.getRules(tags).filter(r => r.tags"
                                   ".includes('cat.color')).map(r => r.ruleId).sort()", TAGS)
            assert colour == sorted(COLOUR_RULES), f"axe's colour rules are now {colour}"
    finally:
        page.evaluate(_RESTORE, before)
        page.evaluate(_FINISH_TRANSITIONS)
    counts = {k: sum(v["nodes"] for v in found if v["impact"] == k) for k in IMPACTS}
    # the table of counts per page is printed at the end of the run (conftest)
    record_property("axe", {"path": path, "mode": mode, "counts": counts,
                            "rules": sorted({f"{v['id']} ({v['impact']})" for v in found})})
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    assert not bad, f"{path} ({mode}): " + "; ".join(
        f"{v['id']} ({v['impact']}, {v['nodes']} nodes: {v['help']}; e.g. {v['where']})"
        for v in bad)
