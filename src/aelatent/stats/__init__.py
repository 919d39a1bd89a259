"""Statistics of the latent vectors, in numpy: moments, components, correlations, special points."""
