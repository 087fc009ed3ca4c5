"""Dashboard pages: each module has PAGE (its registration) and a `layout` function."""
