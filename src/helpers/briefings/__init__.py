"""One module per product notebook (named like it), peers over ``common``; none imports another."""
