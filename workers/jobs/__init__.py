"""arq job functions, one module per context."""
