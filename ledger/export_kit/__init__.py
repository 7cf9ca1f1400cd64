"""Files handed out with a publication's export; nothing here is imported by the app."""
