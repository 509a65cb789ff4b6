"""黑猫投诉 (tousu.sina.com.cn): consumer complaints filed on Sina's complaints platform.

Kind `heimao` (`extractors.heimao.source`): the site's keyword search (`api/index/s`) per brand
term, or the complaints a company received (`api/company/received_complaints?couid=…`). Every
complaint becomes a `Post` with platform `heimao` and the complaint number (`sn`) as
`native_id`; what the complainant asks for (投诉要求), whom the complaint is against (投诉对象)
and a category hint ride in `extra` (`complaint_source: "heimao"`), so the pipeline counts the
post as a complaint by definition. Shared, pure: `answers` (the JSON envelope, the pages the
site shows instead, complaint records) and `categories` (appeal and summary → category hint).
"""
