"""What the tests share besides fixtures (those live in ``tests/conftest.py``): running the real
CLI, reading outputs, the moto S3 server, and the generated sites several test modules crawl."""
