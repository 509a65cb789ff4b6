"""SQL text as DuckDB's own tokenizer splits it, each token with its exact text (pure).

DuckDB gives only where each token starts, in bytes, and not where it ends: the text between two
starts also holds whatever space and comments follow a token. Reading each token's text from its
start (a word, a quoted name, or one character) keeps comments out of it, so `query/**/(` is the
name `query` and the operator `(`.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r'"(?:[^"]|"")*"|\w+|\S')


def tokens(sql: str) -> list[tuple[int, str]]:
    """(character position, text) of each token of `sql`; an operator or string starts with its
    first character, which is its whole text for `(`, `)` and `,`."""
    import duckdb

    found, chars, previous = [], 0, 0
    data = sql.encode()
    for start, _kind in duckdb.tokenize(sql):
        chars += len(data[previous:start].decode())
        previous = start
        found.append((chars, _TOKEN.match(sql, chars).group()))
    return found
