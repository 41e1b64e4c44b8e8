"""Who may act: staff users and their roles (partners and EHR clients join them later)."""
