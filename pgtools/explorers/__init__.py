"""Interactive explorers, one module per section: ``sec4_N.make_explorer()`` and its pure ``draw(**values)``."""
