"""SMS through a pluggable HTTP provider."""
