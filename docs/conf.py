"""Sphinx configuration of csnn's documentation: ``sphinx-build -b html docs docs/_build/html``.

Builds offline from the installed package's docstrings (autodoc); the model page is generated
from the model registry at build time (the ``csnn-models`` directive below), so it cannot drift
from the code."""
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

import csnn
from csnn.network.models import Registry, model_table

project = "csnn"
release = version = csnn.__version__
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon"]
autodoc_member_order = "bysource"
html_theme = "alabaster"
exclude_patterns = ["_build", "design.md"]


class ModelsDirective(SphinxDirective):
    """The registry's model table, then each model's documentation (its docstring)."""

    def run(self):
        lines = model_table(markup="rst").splitlines()
        registry = Registry()
        for name in registry.names():
            doc = (registry.models[name].doc or "").strip()
            lines += ["", f".. rubric:: {name}", "", "::", ""] + [f"   {line}" for line in doc.splitlines()]
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source="csnn.network.models.Registry"), self.content_offset, container)
        return container.children


def setup(app):
    app.add_directive("csnn-models", ModelsDirective)
