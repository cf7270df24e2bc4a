#!/usr/bin/env python3
"""Collects what the test run left in its stores into one file, for the secret scan
`make test` runs afterwards: every document of the MongoDB server the tests used, and the
raw bytes of every SQLite file (with its WAL) in the tests' folders written since MARKER.
Redis is not here: each test's redis-server is gone when the test ends, and the tests
that fill it check its values themselves.

usage: dump_test_stores.py MONGODB_URI OUTPUT MARKER
"""
import glob
import os
import sys
import tempfile

import pymongo
from bson import json_util


def main():
    uri, output, marker = sys.argv[1:4]
    since = os.path.getmtime(marker)
    client = pymongo.MongoClient(uri, directConnection=True, serverSelectionTimeoutMS=5000)
    documents = files = 0
    with open(output, "wb") as dump:
        for database in client.list_database_names():
            for collection in client[database].list_collection_names():
                for document in client[database][collection].find({}):
                    dump.write(f"{database}.{collection} {json_util.dumps(document)}\n".encode())
                    documents += 1
        for path in glob.glob(os.path.join(tempfile.gettempdir(), "switchboard-test-*", "**", "*.sqlite*"), recursive=True):
            try:
                if os.path.getmtime(path) >= since:
                    dump.write(f"\n== {path}\n".encode())
                    dump.write(open(path, "rb").read())
                    files += 1
            except OSError:
                pass  # a test removed it meanwhile
    print(f"store dump: {documents} MongoDB documents and {files} SQLite files in {output}")


if __name__ == "__main__":
    main()
