"""Pages for the Snakemake report: the summary and every table as HTML (stdlib and numpy only)."""
