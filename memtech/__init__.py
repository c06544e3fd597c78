"""Python side of memtech: act as a signed-in user of one company, safely under a pool.

    import psycopg
    from memtech import acting_as

    with psycopg.connect(dsn) as conn:                 # or a connection from a pool
        with acting_as(conn, user_id, client_ip="203.0.113.7", user_agent="backend/1.4") as cur:
            cur.execute("SELECT title FROM content_blocks WHERE type = 'person-cv'")
            rows = cur.fetchall()

Everything is set with SET LOCAL inside one transaction (role authenticated, app.user_id,
app.client_ip, app.user_agent), so nothing survives the transaction: the next borrower of
the connection starts clean. The database does the rest: row level security shows and
changes only the user's company's rows, and the audit trail records who and from where.
"""
import contextlib
import uuid

__all__ = ["acting_as"]

_SETTINGS = ("app.user_id", "app.client_ip", "app.user_agent")


@contextlib.contextmanager
def acting_as(conn, user_id, client_ip=None, user_agent=None, role="authenticated"):
    """Open a transaction on `conn` as `user_id` and yield a cursor; commit on success.

    The connection must not be inside a transaction already: the role and the settings
    must end with the transaction that set them. An exception rolls everything back.
    """
    user_id = str(uuid.UUID(str(user_id)))  # refuses anything that is not a uuid
    if conn.info.transaction_status != 0:  # psycopg.pq.TransactionStatus.IDLE
        raise RuntimeError("acting_as needs a connection outside any transaction: "
                           "commit or roll back first, so that nothing leaks into this one")
    with conn.transaction():
        with conn.cursor() as cur:
            cur.execute("SELECT set_config('role', %s, true)", (role,))
            for name, value in zip(_SETTINGS, (user_id, client_ip, user_agent)):
                cur.execute("SELECT set_config(%s, %s, true)", (name, "" if value is None else str(value)))
            yield cur
