"""Matplotlib figures: arrays in, PNG out; never loads a model or a store."""
