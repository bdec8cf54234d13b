"""What the storage layer raises when the database does not answer or refuses a statement.

Callers above it (the workers, the senders) wait such an outage out or put work back in the
queue; they name these errors through this module rather than through SQLAlchemy's, so that
the database driver stays a detail of `storage`.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

# A statement the database refused or could not run (DBAPIError wraps the driver's errors),
# and a connection that could not be made or was lost (OSError: refused, reset, timed out).
DatabaseError = DBAPIError
STORE_ERRORS: tuple[type[Exception], ...] = (DBAPIError, OSError)
