"""Common Crawl news (CC-NEWS): privacy and surveillance debates mined from news crawls.

Reads the crawl's WARC files directly (``.warc.gz`` or ``.warc``). Each HTML
response record is one input; a cheap multilingual topic-keyword prefilter runs
on the raw page before trafilatura, so the large off-topic majority of a crawl
costs a regex search, not an extraction. Redirects, non-HTML responses and
prefiltered pages are recorded with their reason, like any rejected input.
"""
from policy_debates import Builder
from policy_debates.sources.warc import warc


class CommonCrawlNews(Builder):
    name = "common_crawl_news"
    pretty_name = "Common Crawl news: privacy and surveillance policy in the news"
    description = (
        "News articles and opinion pieces about facial recognition, mass surveillance, CCTV, data "
        "retention, encryption, data protection, contact tracing, predictive policing and ad tracking, "
        "found in Common Crawl's news collection (CC-NEWS) in many languages, with language, topic "
        "and stance labels."
    )
    homepage = "https://commoncrawl.org/blog/news-dataset-available"
    license = "other"  # the articles' copyright stays with their publishers; see Common Crawl's terms of use
    readers = {
        "*.warc.gz": warc,
        "*.warc": warc,
    }
    stance_target = None  # each article's main topic
    stance_tagger = "cues"
    keep_off_topic = False
