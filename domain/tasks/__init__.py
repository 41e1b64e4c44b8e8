"""Staff work items with due times."""
