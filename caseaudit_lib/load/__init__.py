"""Reading input files into raw grids, the answer vocabulary, and the auditors' blank forms."""
