"""book/_ext/pgbook_fignum.py: figures numbered by their page's section ("Figure 4.3.2")."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))

import pgbook_fignum as fn


def test_section_number_from_the_title_then_the_file_name():
    assert fn.section_number("4.3 REINFORCE: the likelihood-ratio trick", "book/x") == (4, 3)
    assert fn.section_number("4.10 Gaussian policies", "book/4_10_gaussian_lqr") == (4, 10)
    assert fn.section_number("4.3.1 The trick", "book/4_3_1_trick") == (4, 3, 1)
    assert fn.section_number("", "book/4_12_mujoco") == (4, 12)
    assert fn.section_number("Errata", "book/errata") is None
    assert fn.section_number("2026 in review", "book/index") is None   # a year is no section
    assert fn.section_number("Policy Gradients, worked", "book/index") is None


def test_renumber_counts_per_section_in_reading_order():
    figures = [  # (Sphinx's book-wide number, page, section, id), listed out of order
        ((5,), "book/4_8", (4, 8), "fig-b"),
        ((1,), "book/4_7", (4, 7), "fig-a"),
        ((4,), "book/4_8", (4, 8), "fig-a"),
        ((2,), "book/4_7", (4, 7), "fig-b"),
        ((3,), "book/index", None, "fig-logo"),
        ((6,), "book/4_8_part2", (4, 8), "fig-c"),   # a section split over two pages
    ]
    assert fn.renumber(figures) == {
        ("book/4_7", "fig-a"): (4, 7, 1), ("book/4_7", "fig-b"): (4, 7, 2),
        ("book/4_8", "fig-a"): (4, 8, 1), ("book/4_8", "fig-b"): (4, 8, 2),
        ("book/4_8_part2", "fig-c"): (4, 8, 3)}
