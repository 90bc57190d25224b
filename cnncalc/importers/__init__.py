"""Importers: a model from where it lives (PyTorch, Keras) as a cnncalc spec.

Each importer is an optional extra and is imported only by ``cnncalc import``;
the core never imports them. An importer returns an :class:`Imported`: the
spec as plain data, ready to validate or write, and the list of what it could
not translate (never a silent zero).
"""
