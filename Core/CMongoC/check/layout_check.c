// Compiled (never run) against the installed mongoc.h and bson.h by `make check-mongoc`,
// which `make test` and `make package` run: every type, constant and function signature
// Core/CMongoC/include/CMongoC.h declares by hand — libmongoc is loaded with dlopen, so nothing else compares them with the real
// headers. A libmongoc that changes any of them fails here, at build time.
#include <stddef.h>
#include <mongoc/mongoc.h>
#define CMONGOC_CHECK_AGAINST_HEADERS
#include "CMongoC.h"

#define SAME_TYPE(a, b) __builtin_types_compatible_p(__typeof__(a), b)

// The library the driver loads by name.
_Static_assert(MONGOC_MAJOR_VERSION == 1, "CMongoC loads libmongoc-1.0.so.0: libmongoc 1.x");
_Static_assert(BSON_MAJOR_VERSION == 1, "CMongoC assumes libbson 1.x");

// bson_error_t, as struct cmongoc_error.
_Static_assert(sizeof(struct cmongoc_error) == sizeof(bson_error_t), "bson_error_t size");
_Static_assert(_Alignof(struct cmongoc_error) == _Alignof(bson_error_t), "bson_error_t alignment");
_Static_assert(offsetof(struct cmongoc_error, domain) == offsetof(bson_error_t, domain), "bson_error_t.domain");
_Static_assert(offsetof(struct cmongoc_error, code) == offsetof(bson_error_t, code), "bson_error_t.code");
_Static_assert(offsetof(struct cmongoc_error, message) == offsetof(bson_error_t, message), "bson_error_t.message");
_Static_assert(sizeof(((struct cmongoc_error *)0)->message) == sizeof(((bson_error_t *)0)->message), "bson_error_t.message size");

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

// The functions looked up with dlsym: each declaration in CMongoC.h, compiled here with
// libmongoc's own types, has the type of libmongoc's function of the same name.
#define SAME_AS_MONGOC(name) _Static_assert(SAME_TYPE(&name, __typeof__(&c##name)), #name)
#define SAME_AS_BSON(name) _Static_assert(SAME_TYPE(&name, __typeof__(&cmongoc_##name)), #name)
_Static_assert(SAME_TYPE(&mongoc_init, void (*)(void)), "mongoc_init");
_Static_assert(SAME_TYPE((mongoc_log_func_t)0, cmongoc_log_func_t), "mongoc_log_func_t");
SAME_AS_MONGOC(mongoc_log_set_handler);
SAME_AS_MONGOC(mongoc_uri_new_with_error);
SAME_AS_MONGOC(mongoc_uri_has_option);
SAME_AS_MONGOC(mongoc_uri_set_option_as_int32);
SAME_AS_MONGOC(mongoc_uri_get_appname);
SAME_AS_MONGOC(mongoc_uri_set_appname);
SAME_AS_MONGOC(mongoc_uri_get_database);
SAME_AS_MONGOC(mongoc_uri_destroy);
SAME_AS_MONGOC(mongoc_uri_copy);
SAME_AS_MONGOC(mongoc_uri_get_option_as_int32);
SAME_AS_MONGOC(mongoc_client_new_from_uri);
SAME_AS_MONGOC(mongoc_client_set_error_api);
SAME_AS_MONGOC(mongoc_client_destroy);
SAME_AS_MONGOC(mongoc_client_pool_new);
SAME_AS_MONGOC(mongoc_client_pool_set_error_api);
SAME_AS_MONGOC(mongoc_client_pool_destroy);
SAME_AS_MONGOC(mongoc_client_pool_pop);
SAME_AS_MONGOC(mongoc_client_pool_push);
SAME_AS_MONGOC(mongoc_client_command_simple);
SAME_AS_BSON(bson_new_from_json);
SAME_AS_BSON(bson_destroy);
SAME_AS_BSON(bson_as_relaxed_extended_json);
SAME_AS_BSON(bson_free);
