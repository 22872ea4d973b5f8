"""Batch extraction: one record per input, resumable, across worker processes or Ray actors."""
