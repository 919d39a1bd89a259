"""Files: atomic writes, tables, checksums, the zarr stores, downloads, job logs (no torch)."""
