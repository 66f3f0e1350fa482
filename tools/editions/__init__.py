"""The book's three editions built from the same sources (issue 14).

* ``python -m tools.editions.pdf``     -> ``_build/pdf/book.pdf``  (``make pdf``)
* ``python -m tools.editions.key``     -> ``_build/html/key.html`` (``make key``)
* ``python -m tools.editions.student`` -> ``_build/student/``      (``make student``)

The PDF and the key are made from the built HTML book (``_build/html``) and the exercise bank
(:mod:`pgtools.exercise_bank`); the student edition is a second Jupyter Book build of transformed
copies of the notebooks and of ``pgtools``. See each module's docstring.
"""
