"""Login, logout, password changes and the home page of each role."""
