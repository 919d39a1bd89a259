"""Model, training, encoding and decoding: the only subpackage that imports torch."""
