"""Where closed WARC files go after the crawl process is done with them (S3 and compatibles)."""
