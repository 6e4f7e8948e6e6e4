"""Reading input files into raw grids: which files, which sheet, which cells; the answer words."""
