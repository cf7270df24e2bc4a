#ifndef SWITCHBOARD_CMONGOC_H
#define SWITCHBOARD_CMONGOC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

// libmongoc and libbson 1.x, loaded at run time (dlopen) rather than linked: libmongoc
// initialises itself when it is loaded (OpenSSL, SASL and its plugins, ICU), about 8 ms
// that a function on the embedded store, or answering from the cache, should never pay.
//
// Its headers are not included: the few types, constants and functions the MongoDB driver
// uses are declared here, each function once, as libmongoc declares it. check/layout_check.c
// compiles this header against the installed mongoc.h and bson.h (`make check-mongoc`,
// run by `make test` and `make package`) and fails on any difference.

/// bson_error_t: 8-byte aligned, 512 bytes.
struct cmongoc_error {
    uint32_t domain;
    uint32_t code;
    char message[504];
} __attribute__((aligned(8)));

#ifdef CMONGOC_CHECK_AGAINST_HEADERS
// check/layout_check.c: libmongoc's own types, so each declaration below is compared with its.
typedef bson_error_t cmongoc_error_t;
typedef bson_t cmongoc_bson_t;
typedef mongoc_uri_t cmongoc_uri_t;
typedef mongoc_client_pool_t cmongoc_client_pool_t;
typedef mongoc_client_t cmongoc_client_t;
typedef mongoc_read_prefs_t cmongoc_read_prefs_t;
typedef mongoc_log_level_t cmongoc_log_level_t;
#else
typedef struct cmongoc_error cmongoc_error_t;
typedef struct cmongoc_bson cmongoc_bson_t;
typedef struct cmongoc_uri cmongoc_uri_t;
typedef struct cmongoc_client_pool cmongoc_client_pool_t;
typedef struct cmongoc_client cmongoc_client_t;
typedef struct cmongoc_read_prefs cmongoc_read_prefs_t;
typedef unsigned int cmongoc_log_level_t;
#endif

enum {
    CMONGOC_ERROR_CLIENT = 1,
    CMONGOC_ERROR_STREAM = 2,
    CMONGOC_ERROR_SERVER_SELECTION = 15,
    CMONGOC_ERROR_WRITE_CONCERN = 16,
    CMONGOC_ERROR_SERVER = 17,
    CMONGOC_ERROR_CLIENT_AUTHENTICATE = 11,
};

enum {
    CMONGOC_LOG_LEVEL_ERROR = 0,
    CMONGOC_LOG_LEVEL_CRITICAL = 1,
    CMONGOC_LOG_LEVEL_WARNING = 2,
};

/// bson_t: 128 bytes, 128-byte aligned (a caller-owned reply document).
enum { CMONGOC_BSON_T_SIZE = 128, CMONGOC_BSON_T_ALIGNMENT = 128 };

/// Loads libmongoc once (thread-safe) and initialises it with its logging off. Returns 0,
/// or -1 with the reason in `error`.
int cmongoc_load(char *error, size_t error_size);

/// "switchboard.dlopen=libmongoc-1.0.so.0": the library to load, behind the marker `make
/// package` looks for in built binaries to bundle what is loaded at run time.
const char *cmongoc_library_marker(void);

// Every function below is libmongoc's or libbson's of the same name without the leading
// "c", called only after cmongoc_load succeeded.
typedef void (*cmongoc_log_func_t)(cmongoc_log_level_t level, const char *domain, const char *message, void *context);
void cmongoc_log_set_handler(cmongoc_log_func_t handler, void *context);
cmongoc_uri_t *cmongoc_uri_new_with_error(const char *text, cmongoc_error_t *error);
bool cmongoc_uri_has_option(const cmongoc_uri_t *uri, const char *option);
bool cmongoc_uri_set_option_as_int32(cmongoc_uri_t *uri, const char *option, int32_t value);
const char *cmongoc_uri_get_appname(const cmongoc_uri_t *uri);
bool cmongoc_uri_set_appname(cmongoc_uri_t *uri, const char *name);
const char *cmongoc_uri_get_database(const cmongoc_uri_t *uri);
void cmongoc_uri_destroy(cmongoc_uri_t *uri);
cmongoc_uri_t *cmongoc_uri_copy(const cmongoc_uri_t *uri);
int32_t cmongoc_uri_get_option_as_int32(const cmongoc_uri_t *uri, const char *option, int32_t fallback);
cmongoc_client_t *cmongoc_client_new_from_uri(const cmongoc_uri_t *uri);
bool cmongoc_client_set_error_api(cmongoc_client_t *client, int32_t version);
void cmongoc_client_destroy(cmongoc_client_t *client);
cmongoc_client_pool_t *cmongoc_client_pool_new(const cmongoc_uri_t *uri);
bool cmongoc_client_pool_set_error_api(cmongoc_client_pool_t *pool, int32_t version);
void cmongoc_client_pool_destroy(cmongoc_client_pool_t *pool);
cmongoc_client_t *cmongoc_client_pool_pop(cmongoc_client_pool_t *pool);
void cmongoc_client_pool_push(cmongoc_client_pool_t *pool, cmongoc_client_t *client);
bool cmongoc_client_command_simple(cmongoc_client_t *client, const char *database, const cmongoc_bson_t *command,
                                   const cmongoc_read_prefs_t *read_prefs, cmongoc_bson_t *reply, cmongoc_error_t *error);
cmongoc_bson_t *cmongoc_bson_new_from_json(const uint8_t *data, ssize_t length, cmongoc_error_t *error);
void cmongoc_bson_destroy(cmongoc_bson_t *document);
char *cmongoc_bson_as_relaxed_extended_json(const cmongoc_bson_t *document, size_t *length);
void cmongoc_bson_free(void *memory);

#endif
