"""Turn raw results into the paper's macros, tables and figures, and compile it."""
