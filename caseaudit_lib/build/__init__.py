"""Building reports: one audit's build, the warm kernels, the batch, and the build state."""
