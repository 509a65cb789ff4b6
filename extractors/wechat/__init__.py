"""WeChat official-account (公众号) articles: the public part of WeChat.

Kind `wechat_articles` (`extractors.wechat.source`): Sogou's WeChat article search
(weixin.sogou.com/weixin?type=2) per brand term within the run's window, and optionally each
article's page on mp.weixin.qq.com for its body. Every article becomes a `Post` with platform
`wechat`; the account that published it is its author (an account the operator lists as media
counts as a verified media account, with the reach the operator gives it). Shared, pure:
`sogou` (result pages, Sogou's link pages, its verification page, the time filter) and
`article` (an article page, and the verification, deleted and expired pages shown instead).
"""
