"""Statistical vectors and where they sit relative to the real cloud: generators, coverage, radii, origin."""
