#!/usr/bin/env bash
# load-users.sh USERS_CSV DB_FILE
# Builds (replaces) the SQLite database Kamailio's kamailio.cfg reads credentials from.
#
# USERS_CSV is the project's import format (also a SIPp injection file):
#   optional first line SEQUENTIAL (or RANDOM / USER), '#' comments, blank lines ignored,
#   domain;username;password[;auth_username]
# The realm is the domain. Each line gives one `subscriber` row:
#   username = auth_username if given, else username (the digest username Kamailio looks up)
#   domain, password, ha1 = MD5(username:domain:password), ha1b = MD5(username@domain:domain:password)
# plus the `version` rows Kamailio checks (version 1, subscriber 7, htable_ha1 2, htable_domains 2),
# the view `htable_ha1` (key_name = username@domain, key_value = ha1) that the WITH_HTABLE variant
# loads, and the view `htable_domains` (key_name = each distinct domain) that WITH_PROXY loads as
# the served domains.
# One transaction: 100 000 users take about a second.
set -euo pipefail
if [ $# -ne 2 ]; then echo "usage: $0 USERS_CSV DB_FILE" >&2; exit 2; fi
[ -r "$1" ] || { echo "$0: cannot read $1" >&2; exit 2; }
command -v python3 >/dev/null || { echo "$0: needs python3" >&2; exit 2; }
exec python3 - "$1" "$2" <<'PY'
import hashlib, os, sqlite3, sys

src, dbfile = sys.argv[1], sys.argv[2]

def md5(s):
    return hashlib.md5(s.encode("utf-8")).hexdigest()

rows, errors, seen = [], [], {}
with open(src, encoding="utf-8") as f:
    for lineno, raw in enumerate(f, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if lineno == 1 and line.upper() in ("SEQUENTIAL", "RANDOM", "USER"):
            continue
        parts = line.split(";")
        if len(parts) not in (3, 4) or not all(parts[:3]) or (len(parts) == 4 and not parts[3]):
            errors.append(f"{src}:{lineno}: expected domain;username;password[;auth_username]")
            continue
        domain, user, password = parts[0], parts[1], parts[2]
        authuser = parts[3] if len(parts) == 4 else user
        key = (authuser, domain)
        if key in seen:   # a later line updates the earlier one, like the edge's import
            rows[seen[key]] = None
        seen[key] = len(rows)
        rows.append((authuser, domain, password,
                     md5(f"{authuser}:{domain}:{password}"),
                     md5(f"{authuser}@{domain}:{domain}:{password}")))
if errors:
    for e in errors[:20]:
        print(e, file=sys.stderr)
    print(f"{len(errors)} bad line(s): nothing loaded", file=sys.stderr)
    sys.exit(1)
rows = [r for r in rows if r is not None]

tmp = dbfile + ".tmp"
for p in (tmp, tmp + "-journal"):
    if os.path.exists(p):
        os.remove(p)
db = sqlite3.connect(tmp, isolation_level=None)
db.execute("PRAGMA journal_mode=OFF")
db.execute("PRAGMA synchronous=OFF")
db.executescript("""
CREATE TABLE version (
    id INTEGER PRIMARY KEY NOT NULL,
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_table_name_idx UNIQUE (table_name)
);
CREATE TABLE subscriber (
    id INTEGER PRIMARY KEY NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT '' NOT NULL,
    password VARCHAR(64) DEFAULT '' NOT NULL,
    ha1 VARCHAR(128) DEFAULT '' NOT NULL,
    ha1b VARCHAR(128) DEFAULT '' NOT NULL,
    CONSTRAINT subscriber_account_idx UNIQUE (username, domain)
);
CREATE INDEX subscriber_username_idx ON subscriber (username);
CREATE VIEW htable_ha1 AS
    SELECT id, username || '@' || domain AS key_name, 0 AS key_type, 0 AS value_type,
           ha1 AS key_value, 0 AS expires
    FROM subscriber;
CREATE VIEW htable_domains AS
    SELECT MIN(id) AS id, domain AS key_name, 0 AS key_type, 0 AS value_type,
           '1' AS key_value, 0 AS expires
    FROM subscriber GROUP BY domain;
INSERT INTO version (table_name, table_version) VALUES ('version', 1);
INSERT INTO version (table_name, table_version) VALUES ('subscriber', 7);
INSERT INTO version (table_name, table_version) VALUES ('htable_ha1', 2);
INSERT INTO version (table_name, table_version) VALUES ('htable_domains', 2);
""")
db.execute("BEGIN")
db.executemany("INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (?,?,?,?,?)", rows)
db.execute("COMMIT")
db.close()
os.replace(tmp, dbfile)
print(f"{dbfile}: {len(rows)} subscriber(s)", file=sys.stderr)
PY
