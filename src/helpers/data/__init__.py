"""Build time: official exports and the curated snapshot in ``data/raw`` → validated tables in ``data/processed``.

``build`` builds, ``store`` loads, ``validation`` checks, ``importing``/``update`` bring in new exports
(``change_report`` says what changed), ``provenance`` describes where each source comes from, ``geo``
derives the boundaries, and ``datapackage`` keeps the inventory of raw files with their hashes
(computed by ``hashing``, like every file hash and cache key of the package).
"""
