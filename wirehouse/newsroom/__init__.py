"""newsroom stage."""
