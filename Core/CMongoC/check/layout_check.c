// Compiled (never run) against the installed mongoc.h and bson.h by `make check-mongoc`,
// which `make test` and `make package` run: every type, constant and function signature
// Core/CMongoC/include/CMongoC.h and Core/Drivers/Mongo/MongoClientPool.swift declare by
// hand — libmongoc is loaded with dlopen, so nothing else compares them with the real
// headers. A libmongoc that changes any of them fails here, at build time.
#include <stddef.h>
#include <mongoc/mongoc.h>
#include "CMongoC.h"

#define SAME_TYPE(a, b) __builtin_types_compatible_p(__typeof__(a), b)

// The library the driver loads by name.
_Static_assert(MONGOC_MAJOR_VERSION == 1, "CMongoC loads libmongoc-1.0.so.0: libmongoc 1.x");
_Static_assert(BSON_MAJOR_VERSION == 1, "CMongoC assumes libbson 1.x");

// bson_error_t, as cmongoc_error_t.
_Static_assert(sizeof(cmongoc_error_t) == sizeof(bson_error_t), "bson_error_t size");
_Static_assert(_Alignof(cmongoc_error_t) == _Alignof(bson_error_t), "bson_error_t alignment");
_Static_assert(offsetof(cmongoc_error_t, domain) == offsetof(bson_error_t, domain), "bson_error_t.domain");
_Static_assert(offsetof(cmongoc_error_t, code) == offsetof(bson_error_t, code), "bson_error_t.code");
_Static_assert(offsetof(cmongoc_error_t, message) == offsetof(bson_error_t, message), "bson_error_t.message");
_Static_assert(sizeof(((cmongoc_error_t *)0)->message) == sizeof(((bson_error_t *)0)->message), "bson_error_t.message size");

// bson_t, allocated by the driver for replies.
_Static_assert(CMONGOC_BSON_T_SIZE == sizeof(bson_t), "bson_t size");
_Static_assert(CMONGOC_BSON_T_ALIGNMENT == _Alignof(bson_t), "bson_t alignment");

// Error domains and codes.
_Static_assert((int)CMONGOC_ERROR_CLIENT == (int)MONGOC_ERROR_CLIENT, "MONGOC_ERROR_CLIENT");
_Static_assert((int)CMONGOC_ERROR_STREAM == (int)MONGOC_ERROR_STREAM, "MONGOC_ERROR_STREAM");
_Static_assert((int)CMONGOC_ERROR_SERVER_SELECTION == (int)MONGOC_ERROR_SERVER_SELECTION, "MONGOC_ERROR_SERVER_SELECTION");
_Static_assert((int)CMONGOC_ERROR_WRITE_CONCERN == (int)MONGOC_ERROR_WRITE_CONCERN, "MONGOC_ERROR_WRITE_CONCERN");
_Static_assert((int)CMONGOC_ERROR_SERVER == (int)MONGOC_ERROR_SERVER, "MONGOC_ERROR_SERVER");
_Static_assert((int)CMONGOC_ERROR_CLIENT_AUTHENTICATE == (int)MONGOC_ERROR_CLIENT_AUTHENTICATE, "MONGOC_ERROR_CLIENT_AUTHENTICATE");
_Static_assert(MONGOC_ERROR_API_VERSION_2 == 2, "the driver sets error API version 2");

// Log levels.
_Static_assert((int)CMONGOC_LOG_LEVEL_ERROR == (int)MONGOC_LOG_LEVEL_ERROR, "MONGOC_LOG_LEVEL_ERROR");
_Static_assert((int)CMONGOC_LOG_LEVEL_CRITICAL == (int)MONGOC_LOG_LEVEL_CRITICAL, "MONGOC_LOG_LEVEL_CRITICAL");
_Static_assert((int)CMONGOC_LOG_LEVEL_WARNING == (int)MONGOC_LOG_LEVEL_WARNING, "MONGOC_LOG_LEVEL_WARNING");

// The functions looked up with dlsym, with the signatures MongoClientPool.swift calls
// them through (pointers as OpaquePointer, Bool as bool, Int as ssize_t/size_t).
_Static_assert(SAME_TYPE(&mongoc_init, void (*)(void)), "mongoc_init");
_Static_assert(SAME_TYPE(&mongoc_log_set_handler, void (*)(mongoc_log_func_t, void *)), "mongoc_log_set_handler");
_Static_assert(SAME_TYPE((mongoc_log_func_t)0, void (*)(mongoc_log_level_t, const char *, const char *, void *)), "mongoc_log_func_t");
_Static_assert(sizeof(mongoc_log_level_t) == sizeof(int32_t), "mongoc_log_level_t is passed as Int32");
_Static_assert(SAME_TYPE(&mongoc_uri_new_with_error, mongoc_uri_t *(*)(const char *, bson_error_t *)), "mongoc_uri_new_with_error");
_Static_assert(SAME_TYPE(&mongoc_uri_has_option, bool (*)(const mongoc_uri_t *, const char *)), "mongoc_uri_has_option");
_Static_assert(SAME_TYPE(&mongoc_uri_set_option_as_int32, bool (*)(mongoc_uri_t *, const char *, int32_t)), "mongoc_uri_set_option_as_int32");
_Static_assert(SAME_TYPE(&mongoc_uri_get_appname, const char *(*)(const mongoc_uri_t *)), "mongoc_uri_get_appname");
_Static_assert(SAME_TYPE(&mongoc_uri_set_appname, bool (*)(mongoc_uri_t *, const char *)), "mongoc_uri_set_appname");
_Static_assert(SAME_TYPE(&mongoc_uri_get_database, const char *(*)(const mongoc_uri_t *)), "mongoc_uri_get_database");
_Static_assert(SAME_TYPE(&mongoc_uri_destroy, void (*)(mongoc_uri_t *)), "mongoc_uri_destroy");
_Static_assert(SAME_TYPE(&mongoc_client_pool_new, mongoc_client_pool_t *(*)(const mongoc_uri_t *)), "mongoc_client_pool_new");
_Static_assert(SAME_TYPE(&mongoc_client_pool_set_error_api, bool (*)(mongoc_client_pool_t *, int32_t)), "mongoc_client_pool_set_error_api");
_Static_assert(SAME_TYPE(&mongoc_client_pool_destroy, void (*)(mongoc_client_pool_t *)), "mongoc_client_pool_destroy");
_Static_assert(SAME_TYPE(&mongoc_client_pool_pop, mongoc_client_t *(*)(mongoc_client_pool_t *)), "mongoc_client_pool_pop");
_Static_assert(SAME_TYPE(&mongoc_client_pool_push, void (*)(mongoc_client_pool_t *, mongoc_client_t *)), "mongoc_client_pool_push");
_Static_assert(SAME_TYPE(&mongoc_client_command_simple,
    bool (*)(mongoc_client_t *, const char *, const bson_t *, const mongoc_read_prefs_t *, bson_t *, bson_error_t *)),
    "mongoc_client_command_simple");
_Static_assert(SAME_TYPE(&bson_new_from_json, bson_t *(*)(const uint8_t *, ssize_t, bson_error_t *)), "bson_new_from_json");
_Static_assert(sizeof(ssize_t) == sizeof(long), "ssize_t is passed as Int");
_Static_assert(SAME_TYPE(&bson_destroy, void (*)(bson_t *)), "bson_destroy");
_Static_assert(SAME_TYPE(&bson_as_relaxed_extended_json, char *(*)(const bson_t *, size_t *)), "bson_as_relaxed_extended_json");
_Static_assert(SAME_TYPE(&bson_free, void (*)(void *)), "bson_free");
