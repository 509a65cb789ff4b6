"""The two Weibo sources and what they share.

`search` (kind `weibo_search`: s.weibo.com HTML) and `api` (kind `weibo_api`: m.weibo.cn JSON)
both turn what Weibo shows into `Post`s with platform `weibo` and the post's numeric id (`mid`)
as `native_id`, so the same post found by either source is one post downstream. Shared, pure:
`settings` (defaults and the options both accept), `auth` (login walls and the messages that
say which cookie to renew), `ids` (mid, bid, links), `display` (times, counts and texts as
Weibo writes them) and `posts` (mblogs, reposts, long texts).

Reposts: a repost is a post of its own (the reposter's words, keyed by the repost's id); the
reposted original is kept in `extra["retweeted"]` and is also returned as a post of its own
(keyed by its own id) when it was published inside the window being collected.
"""
