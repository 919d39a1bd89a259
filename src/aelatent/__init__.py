"""aelatent: autoencoder latent-space statistics, as a library the Snakemake workflow calls."""

__version__ = "0.1.0"
