"""The cipher suites the tests know (tests/lib/suites.tsv), for the Python
generators, checkers and oracles. Each suite is a dict with the table's
columns: name, sets (a set), proto, words (a list), ekey, akey, kind, iv,
icv, hash, scapy_crypt, scapy_auth, align, salt (numbers as ints, "-" as
None)."""

import os

TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'suites.tsv')
COLUMNS = ('name', 'sets', 'proto', 'words', 'ekey', 'akey', 'kind', 'iv',
           'icv', 'hash', 'scapy_crypt', 'scapy_auth', 'align', 'salt')
NUMBERS = ('ekey', 'akey', 'iv', 'icv', 'align', 'salt')


def load(table=TABLE):
    """Every suite, in the table's order."""
    suites = []
    with open(table) as f:
        for line in f:
            if not line.strip() or line.startswith('#'):
                continue
            cols = line.rstrip('\n').split('\t')
            if len(cols) != len(COLUMNS):
                raise ValueError('%s: %d columns, want %d: %r'
                                 % (table, len(cols), len(COLUMNS), line))
            s = dict(zip(COLUMNS, cols))
            for k in NUMBERS:
                s[k] = int(s[k])
            for k in ('hash', 'scapy_crypt', 'scapy_auth'):
                if s[k] == '-':
                    s[k] = None
            s['sets'] = set(s['sets'].split(','))
            s['words'] = s['words'].split()
            suites.append(s)
    return suites


def in_set(name, table=TABLE):
    """The suites of one set ("iop", "oracle"), in order."""
    return [s for s in load(table) if name in s['sets']]
