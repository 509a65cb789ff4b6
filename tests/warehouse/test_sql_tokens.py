"""SQL tokens with their exact texts: comments and spaces never stick to a token."""

from warehouse.sql_tokens import tokens


def test_each_token_is_its_own_text_whatever_follows_it():
    sql = 'SELECT "Sqlite""Scan" /* c */ (x), query--note\n(\'a -- b\') FROM 示例 t'
    assert [text for _, text in tokens(sql)] == [
        "SELECT", '"Sqlite""Scan"', "(", "x", ")", ",", "query", "(", "'", ")", "FROM", "示例", "t"]


def test_positions_count_characters_after_non_ascii_text():
    sql = "-- 中文注释\nCREATE TABLE 表 (id VARCHAR PRIMARY KEY)"
    found = tokens(sql)
    assert all(sql[position:].startswith(text) for position, text in found)
    assert [text for _, text in found][-4:] == ["VARCHAR", "PRIMARY", "KEY", ")"]
