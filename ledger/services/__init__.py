"""Use cases. Each takes a SQLAlchemy session (the unit of work) and the acting
user, checks that user's role in the book, applies the domain's rules and
changes nothing when it refuses."""
