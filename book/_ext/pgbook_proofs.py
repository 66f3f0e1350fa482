"""Sphinx extension: the proof index lists each definition, theorem and algorithm by its title.

sphinx-proof's index ("Proof Index", prf-prf.html) lists the internal labels
(``def-4-2-objective``) and groups them by label. This records every directive's title when it is
parsed and regenerates the index grouped by page (in book order), each entry named
"Definition: Objective and return" and linking to it.
"""

from __future__ import annotations

from collections import defaultdict

from sphinx_proof import directive as prf_directive
from sphinx_proof import domain as prf_domain

_original_run = prf_directive.ElementDirective.run


def _run_recording_title(self):
    out = _original_run(self)
    for node in out:
        label = node.get("label") if hasattr(node, "get") else None
        if label and label in getattr(self.env, "proof_list", {}):
            self.env.proof_list[label]["title"] = node.get("title", "")
    return out


def _generate(self, docnames=None):
    env = self.domain.env
    proofs = getattr(env, "proof_list", {})
    seen = [env.config.root_doc]

    def walk(doc):  # book order: the toctrees from the root page down
        for child in env.toctree_includes.get(doc, []):
            if child not in seen:
                seen.append(child)
                walk(child)

    walk(env.config.root_doc)
    order = {doc: i for i, doc in enumerate(seen)}
    content = defaultdict(list)
    for anchor, v in proofs.items():
        if docnames and v["docname"] not in docnames:
            continue
        page = env.titles[v["docname"]].astext() if v["docname"] in env.titles else v["docname"]
        kind = v["realtype"].capitalize()
        title = v.get("title") or anchor
        content[(order.get(v["docname"], 1_000), page)].append(
            (f"{kind}: {title}", 0, v["docname"], anchor, "", "", ""))
    return [(page, entries) for (_, page), entries in sorted(content.items())], False


def setup(app):
    prf_directive.ElementDirective.run = _run_recording_title
    prf_domain.ProofIndex.generate = _generate
    return {"parallel_read_safe": True, "parallel_write_safe": True}
