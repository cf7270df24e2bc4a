#!/usr/bin/env python3
"""A MongoDB wire-protocol server for Switchboard's tests, on a real socket.

No mongod can be installed on the development machines, so the MongoDB adapter (libmongoc,
unchanged) is tested against this server. Queries and updates are evaluated by
mongomock-ng, an independent implementation of MongoDB's query language; this file only
speaks the protocol and enforces unique indexes, which mongomock-ng gets wrong on array
paths.

Limits (it is a test double, not a database):
- single node; no replica sets, transactions, sessions beyond ignoring lsid, or auth;
- OP_QUERY (handshake, heartbeats) and OP_MSG only; no compression, no checksums checked;
- every find/aggregate answers in one batch (cursor id 0): fine for test fixtures;
- every write snapshots the whole collection to roll back a unique-index violation,
  and every query scans: it is slow and linear — never quote performance figures from it;
- data lives in memory and is gone when the process ends.

Commands: hello/isMaster, ping, buildInfo, find, getMore, killCursors, insert, update
(upsert, arrayFilters), delete, findAndModify, createIndexes (unique, partial, sparse; a
violation is error 11000 in MongoDB's reply shape), listIndexes, aggregate, count, drop,
dropDatabase, endSessions, and switchboardTestStats (connections seen, for the pool test).

usage: mongo_wire_server.py PORT     (prints "listening <port>" once it accepts connections)
"""
import asyncio
import copy
import datetime
import struct
import sys

import bson
from bson import SON
from bson.codec_options import CodecOptions
import mongomock_ng as mongomock

OP_REPLY, OP_QUERY, OP_MSG = 1, 2004, 2013
CODEC = CodecOptions(document_class=SON, tz_aware=True)


class CommandError(Exception):
    def __init__(self, code, name, message, **extra):
        super().__init__(message)
        self.reply = SON([("ok", 0.0), ("errmsg", message), ("code", code), ("codeName", name)])
        self.reply.update(extra)


class Store:
    def __init__(self):
        self.client = mongomock.MongoClient()
        self.indexes = {}  # (db, collection) -> {name: spec}
        self.connections_total = 0
        self.connections_open = 0

    def collection(self, db, name):
        return self.client[db][name]

    # --- unique indexes, enforced here (multikey paths expanded like MongoDB does) ---

    @staticmethod
    def values_at(document, path):
        values = [document]
        for part in path.split("."):
            next_values = []
            for value in values:
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, dict) and part in item:
                            next_values.append(item[part])
                elif isinstance(value, dict) and part in value:
                    next_values.append(value[part])
            values = next_values
        flat = []
        for value in values:
            flat.extend(value if isinstance(value, list) else [value])
        return flat

    def check_unique(self, db, name):
        collection = self.collection(db, name)
        for index_name, spec in self.indexes.get((db, name), {}).items():
            if not spec.get("unique"):
                continue
            fields = list(spec["key"].keys())
            partial = spec.get("partialFilterExpression")
            documents = list(collection.find(partial or {}))
            seen = {}
            for document in documents:
                keys = set()
                if len(fields) == 1:
                    values = self.values_at(document, fields[0])
                    if not values:
                        if spec.get("sparse"):
                            continue
                        values = [None]
                    for value in values:
                        keys.add(repr(value))
                        key_value = value
                        key_repr = repr(value)
                        if key_repr in seen and seen[key_repr] != document["_id"]:
                            raise CommandError(
                                11000, "DuplicateKey",
                                f"E11000 duplicate key error collection: {db}.{name} index: {index_name} dup key: {{ {fields[0]}: {key_value!r} }}",
                                keyPattern=SON(spec["key"]), keyValue=SON([(fields[0], key_value)]))
                        seen[key_repr] = document["_id"]
                else:
                    key = tuple(repr((self.values_at(document, f) or [None])[0]) for f in fields)
                    if key in seen and seen[key] != document["_id"]:
                        raise CommandError(11000, "DuplicateKey", f"E11000 duplicate key error collection: {db}.{name} index: {index_name}")
                    seen[key] = document["_id"]

    def guarded_write(self, db, name, write):
        """Runs write(); if it breaks a unique index, restores the collection and raises."""
        collection = self.collection(db, name)
        snapshot = [copy.deepcopy(d) for d in collection.find({})]
        try:
            try:
                result = write(collection)
            except mongomock.DuplicateKeyError as error:
                # The engine's own _id index: answered as MongoDB answers it, a write error 11000.
                details = getattr(error, "details", None) or {}
                raise CommandError(11000, "DuplicateKey", f"E11000 duplicate key error collection: {db}.{name} index: _id_",
                                   keyPattern=SON(details.get("keyPattern") or {"_id": 1}), keyValue=SON(details.get("keyValue") or {}))
            self.check_unique(db, name)
            return result
        except CommandError:
            collection.delete_many({})
            if snapshot:
                collection.insert_many(snapshot)
            raise


def hello_reply(connection_id):
    return SON([
        ("helloOk", True), ("ismaster", True), ("isWritablePrimary", True),
        ("maxBsonObjectSize", 16777216), ("maxMessageSizeBytes", 48000000), ("maxWriteBatchSize", 100000),
        ("localTime", datetime.datetime.now(datetime.timezone.utc)), ("logicalSessionTimeoutMinutes", 30),
        ("connectionId", connection_id), ("minWireVersion", 0), ("maxWireVersion", 17), ("readOnly", False), ("ok", 1.0),
    ])


def cursor_reply(namespace, documents, first=True):
    return SON([("cursor", SON([("firstBatch" if first else "nextBatch", documents), ("id", bson.int64.Int64(0)), ("ns", namespace)])), ("ok", 1.0)])


def run_command(store, body, connection_id):
    name = next(iter(body))
    lowered = name.lower()
    db = body.get("$db", "admin")
    if lowered in ("hello", "ismaster"):
        return hello_reply(connection_id)
    if lowered == "ping":
        return SON([("ok", 1.0)])
    if lowered == "buildinfo":
        return SON([("version", "6.0.0"), ("versionArray", [6, 0, 0, 0]), ("ok", 1.0)])
    if lowered in ("endsessions", "killcursors"):
        return SON([("ok", 1.0)])
    if lowered == "switchboardteststats":
        return SON([("connections", store.connections_total), ("open", store.connections_open), ("ok", 1.0)])
    if lowered == "listdatabases":
        names = store.client.list_database_names()
        return SON([("databases", [SON([("name", n), ("sizeOnDisk", 0), ("empty", False)]) for n in names]),
                    ("totalSize", 0), ("ok", 1.0)])
    if lowered == "listcollections":
        names = store.client[db].list_collection_names()
        return cursor_reply(f"{db}.$cmd.listCollections",
                            [SON([("name", n), ("type", "collection"), ("options", SON()), ("info", SON([("readOnly", False)]))]) for n in names])
    collection_name = body[name]
    collection = store.collection(db, collection_name) if isinstance(collection_name, str) else None
    namespace = f"{db}.{collection_name}"

    if lowered == "find":
        cursor = collection.find(body.get("filter", {}), body.get("projection"))
        if body.get("sort"):
            cursor = cursor.sort(list(body["sort"].items()))
        if body.get("skip"):
            cursor = cursor.skip(int(body["skip"]))
        if body.get("limit"):
            cursor = cursor.limit(abs(int(body["limit"])))
        return cursor_reply(namespace, list(cursor))
    if lowered == "getmore":
        return cursor_reply(f"{db}.{body.get('collection')}", [], first=False)
    if lowered == "count":
        return SON([("n", collection.count_documents(body.get("query") or {})), ("ok", 1.0)])
    if lowered == "aggregate":
        return cursor_reply(namespace, list(collection.aggregate(body.get("pipeline", []))))
    if lowered == "insert":
        inserted, errors = 0, []
        for index, document in enumerate(body.get("documents", [])):
            try:
                store.guarded_write(db, collection_name, lambda c, d=document: c.insert_one(d))
                inserted += 1
            except CommandError as error:
                errors.append(SON([("index", index), ("code", error.reply["code"]), ("errmsg", error.reply["errmsg"]),
                                   ("keyPattern", error.reply.get("keyPattern")), ("keyValue", error.reply.get("keyValue"))]))
                if body.get("ordered", True):
                    break
        reply = SON([("n", inserted)])
        if errors:
            reply["writeErrors"] = errors
        reply["ok"] = 1.0
        return reply
    if lowered == "update":
        matched = modified = 0
        upserted, errors = [], []
        for index, spec in enumerate(body.get("updates", [])):
            def write(c, spec=spec):
                kwargs = {"upsert": bool(spec.get("upsert"))}
                if spec.get("arrayFilters"):
                    kwargs["array_filters"] = spec["arrayFilters"]
                update = spec["u"]
                if isinstance(update, dict) and not any(k.startswith("$") for k in update):
                    return c.replace_one(spec["q"], update, upsert=kwargs["upsert"])
                if spec.get("multi"):
                    return c.update_many(spec["q"], update, **kwargs)
                return c.update_one(spec["q"], update, **kwargs)
            try:
                result = store.guarded_write(db, collection_name, write)
                matched += result.matched_count
                modified += result.modified_count
                if result.upserted_id is not None:
                    upserted.append(SON([("index", index), ("_id", result.upserted_id)]))
            except CommandError as error:
                errors.append(SON([("index", index), ("code", error.reply["code"]), ("errmsg", error.reply["errmsg"]),
                                   ("keyPattern", error.reply.get("keyPattern")), ("keyValue", error.reply.get("keyValue"))]))
                if body.get("ordered", True):
                    break
        reply = SON([("n", matched + len(upserted)), ("nModified", modified)])
        if upserted:
            reply["upserted"] = upserted
        if errors:
            reply["writeErrors"] = errors
        reply["ok"] = 1.0
        return reply
    if lowered == "delete":
        removed = 0
        for spec in body.get("deletes", []):
            if int(spec.get("limit", 0)) == 1:
                removed += collection.delete_one(spec["q"]).deleted_count
            else:
                removed += collection.delete_many(spec["q"]).deleted_count
        return SON([("n", removed), ("ok", 1.0)])
    if lowered == "findandmodify":
        query = body.get("query", {})
        projection = body.get("fields")
        sort = list(body["sort"].items()) if body.get("sort") else None
        if body.get("remove"):
            value = collection.find_one_and_delete(query, projection=projection, sort=sort)
            return SON([("lastErrorObject", SON([("n", 1 if value else 0)])), ("value", value), ("ok", 1.0)])
        existed = collection.count_documents(query, limit=1) > 0
        return_new = bool(body.get("new"))

        def write(c):
            update = body["update"]
            if isinstance(update, dict) and not any(k.startswith("$") for k in update):
                return c.find_one_and_replace(query, update, projection=projection, sort=sort, upsert=bool(body.get("upsert")),
                                              return_document=return_new)
            kwargs = {}
            if body.get("arrayFilters"):
                kwargs["array_filters"] = body["arrayFilters"]
            return c.find_one_and_update(query, update, projection=projection, sort=sort, upsert=bool(body.get("upsert")),
                                         return_document=return_new, **kwargs)
        value = store.guarded_write(db, collection_name, write)
        last = SON([("n", 1 if (existed or body.get("upsert")) else 0), ("updatedExisting", existed)])
        if not existed and body.get("upsert") and value is not None:
            last["upserted"] = value.get("_id")
        return SON([("lastErrorObject", last), ("value", value), ("ok", 1.0)])
    if lowered == "createindexes":
        specs = store.indexes.setdefault((db, collection_name), {})
        before = len(specs) + 1
        for spec in body.get("indexes", []):
            spec = SON(spec)
            name = spec.get("name") or "_".join(f"{k}_{v}" for k, v in spec["key"].items())
            existing = specs.get(name)
            if existing is not None:
                if dict(existing["key"]) != dict(spec["key"]) or bool(existing.get("unique")) != bool(spec.get("unique")) \
                        or existing.get("partialFilterExpression") != spec.get("partialFilterExpression"):
                    raise CommandError(86, "IndexKeySpecsConflict", f"An existing index has the same name as the requested index: {name}")
                continue
            spec["name"] = name
            specs[name] = spec
            try:
                store.check_unique(db, collection_name)
            except CommandError:
                del specs[name]
                raise
        collection.find_one({})  # creates the collection if missing
        reply = SON([("numIndexesBefore", before), ("numIndexesAfter", len(specs) + 1), ("createdCollectionAutomatically", False)])
        if before == len(specs) + 1:
            reply["note"] = "all indexes already exist"
        reply["ok"] = 1.0
        return reply
    if lowered == "listindexes":
        specs = [SON([("v", 2), ("key", SON([("_id", 1)])), ("name", "_id_")])]
        for spec in store.indexes.get((db, collection_name), {}).values():
            specs.append(SON([("v", 2)] + [(k, v) for k, v in spec.items()]))
        return cursor_reply(namespace, specs)
    if lowered == "drop":
        collection.drop()
        store.indexes.pop((db, collection_name), None)
        return SON([("ok", 1.0)])
    if lowered == "dropdatabase":
        store.client.drop_database(db)
        for key in [k for k in store.indexes if k[0] == db]:
            del store.indexes[key]
        return SON([("ok", 1.0)])
    raise CommandError(59, "CommandNotFound", f"no such command: '{name}'")


def answer(store, body, connection_id):
    try:
        return run_command(store, body, connection_id)
    except CommandError as error:
        return error.reply
    except Exception as error:  # the engine refused it: an error reply, not a dropped connection
        return SON([("ok", 0.0), ("errmsg", f"{type(error).__name__}: {error}"), ("code", 2), ("codeName", "BadValue")])


async def serve_connection(store, reader, writer):
    store.connections_total += 1
    store.connections_open += 1
    connection_id = store.connections_total
    try:
        while True:
            header = await reader.readexactly(16)
            length, request_id, _, opcode = struct.unpack("<iiii", header)
            payload = await reader.readexactly(length - 16)
            if opcode == OP_QUERY:
                flags = struct.unpack_from("<i", payload, 0)[0]
                end = payload.index(b"\0", 4)
                offset = end + 1 + 8
                query = bson.decode(payload[offset:offset + struct.unpack_from("<i", payload, offset)[0]], CODEC)
                if "$query" in query:
                    query = query["$query"]
                reply = answer(store, query, connection_id)
                document = bson.encode(reply)
                body = struct.pack("<iqii", 0, 0, 0, 1) + document
                writer.write(struct.pack("<iiii", 16 + len(body), request_id, request_id, OP_REPLY) + body)
            elif opcode == OP_MSG:
                flags = struct.unpack_from("<I", payload, 0)[0]
                end = len(payload) - (4 if flags & 1 else 0)
                offset, body = 4, None
                sequences = {}
                while offset < end:
                    kind = payload[offset]
                    offset += 1
                    if kind == 0:
                        size = struct.unpack_from("<i", payload, offset)[0]
                        body = bson.decode(payload[offset:offset + size], CODEC)
                        offset += size
                    else:
                        size = struct.unpack_from("<i", payload, offset)[0]
                        section_end = offset + size
                        name_end = payload.index(b"\0", offset + 4)
                        identifier = payload[offset + 4:name_end].decode()
                        cursor = name_end + 1
                        documents = []
                        while cursor < section_end:
                            doc_size = struct.unpack_from("<i", payload, cursor)[0]
                            documents.append(bson.decode(payload[cursor:cursor + doc_size], CODEC))
                            cursor += doc_size
                        sequences[identifier] = documents
                        offset = section_end
                for identifier, documents in sequences.items():
                    body[identifier] = documents
                reply = answer(store, body, connection_id)
                if flags & 2:  # moreToCome: the client wants no answer
                    continue
                section = b"\0" + bson.encode(reply)
                out = struct.pack("<I", 0) + section
                writer.write(struct.pack("<iiii", 16 + len(out), request_id, request_id, OP_MSG) + out)
            else:
                break
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError):
        pass
    finally:
        store.connections_open -= 1
        writer.close()


async def main():
    port = int(sys.argv[1])
    store = Store()
    server = await asyncio.start_server(lambda r, w: serve_connection(store, r, w), "127.0.0.1", port)
    print(f"listening {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
