"""Executing the notebooks: the batch over warm kernels, and the export to HTML briefings."""
