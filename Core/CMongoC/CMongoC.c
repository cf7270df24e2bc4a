// libmongoc and libbson through dlopen: see include/CMongoC.h.
#include "CMongoC.h"
#include <CLibraryLoader.h>
#include <stdio.h>

#define CMONGOC_SONAME "libmongoc-1.0.so.0"

// Typed from the declarations in CMongoC.h (each as libmongoc's own, checked by make check-mongoc).
static struct {
    void (*init)(void);
    __typeof__(cmongoc_log_set_handler) *log_set_handler;
    __typeof__(cmongoc_uri_new_with_error) *uri_new_with_error;
    __typeof__(cmongoc_uri_has_option) *uri_has_option;
    __typeof__(cmongoc_uri_set_option_as_int32) *uri_set_option_as_int32;
    __typeof__(cmongoc_uri_get_appname) *uri_get_appname;
    __typeof__(cmongoc_uri_set_appname) *uri_set_appname;
    __typeof__(cmongoc_uri_get_database) *uri_get_database;
    __typeof__(cmongoc_uri_destroy) *uri_destroy;
    __typeof__(cmongoc_uri_copy) *uri_copy;
    __typeof__(cmongoc_uri_get_option_as_int32) *uri_get_option_as_int32;
    __typeof__(cmongoc_client_new_from_uri) *client_new_from_uri;
    __typeof__(cmongoc_client_set_error_api) *client_set_error_api;
    __typeof__(cmongoc_client_destroy) *client_destroy;
    __typeof__(cmongoc_client_pool_new) *client_pool_new;
    __typeof__(cmongoc_client_pool_set_error_api) *client_pool_set_error_api;
    __typeof__(cmongoc_client_pool_destroy) *client_pool_destroy;
    __typeof__(cmongoc_client_pool_pop) *client_pool_pop;
    __typeof__(cmongoc_client_pool_push) *client_pool_push;
    __typeof__(cmongoc_client_command_simple) *client_command_simple;
    __typeof__(cmongoc_bson_new_from_json) *bson_new_from_json;
    __typeof__(cmongoc_bson_destroy) *bson_destroy;
    __typeof__(cmongoc_bson_as_relaxed_extended_json) *bson_as_relaxed_extended_json;
    __typeof__(cmongoc_bson_free) *bson_free;
} mongoc;

static const clib_symbol symbols[] = {
    CLIB_SYMBOL(mongoc.init, "mongoc_init"),
    CLIB_SYMBOL(mongoc.log_set_handler, "mongoc_log_set_handler"),
    CLIB_SYMBOL(mongoc.uri_new_with_error, "mongoc_uri_new_with_error"),
    CLIB_SYMBOL(mongoc.uri_has_option, "mongoc_uri_has_option"),
    CLIB_SYMBOL(mongoc.uri_set_option_as_int32, "mongoc_uri_set_option_as_int32"),
    CLIB_SYMBOL(mongoc.uri_get_appname, "mongoc_uri_get_appname"),
    CLIB_SYMBOL(mongoc.uri_set_appname, "mongoc_uri_set_appname"),
    CLIB_SYMBOL(mongoc.uri_get_database, "mongoc_uri_get_database"),
    CLIB_SYMBOL(mongoc.uri_destroy, "mongoc_uri_destroy"),
    CLIB_SYMBOL(mongoc.uri_copy, "mongoc_uri_copy"),
    CLIB_SYMBOL(mongoc.uri_get_option_as_int32, "mongoc_uri_get_option_as_int32"),
    CLIB_SYMBOL(mongoc.client_new_from_uri, "mongoc_client_new_from_uri"),
    CLIB_SYMBOL(mongoc.client_set_error_api, "mongoc_client_set_error_api"),
    CLIB_SYMBOL(mongoc.client_destroy, "mongoc_client_destroy"),
    CLIB_SYMBOL(mongoc.client_pool_new, "mongoc_client_pool_new"),
    CLIB_SYMBOL(mongoc.client_pool_set_error_api, "mongoc_client_pool_set_error_api"),
    CLIB_SYMBOL(mongoc.client_pool_destroy, "mongoc_client_pool_destroy"),
    CLIB_SYMBOL(mongoc.client_pool_pop, "mongoc_client_pool_pop"),
    CLIB_SYMBOL(mongoc.client_pool_push, "mongoc_client_pool_push"),
    CLIB_SYMBOL(mongoc.client_command_simple, "mongoc_client_command_simple"),
    // libbson's, found through libmongoc's own dependencies.
    CLIB_SYMBOL(mongoc.bson_new_from_json, "bson_new_from_json"),
    CLIB_SYMBOL(mongoc.bson_destroy, "bson_destroy"),
    CLIB_SYMBOL(mongoc.bson_as_relaxed_extended_json, "bson_as_relaxed_extended_json"),
    CLIB_SYMBOL(mongoc.bson_free, "bson_free"),
};

/// libmongoc's default log handler writes to standard output, which belongs to the event
/// protocol: logging is off until the driver sets its own handler.
static int initialise(char *error, size_t error_size) {
    (void)error;
    (void)error_size;
    mongoc.log_set_handler(NULL, NULL);
    mongoc.init();
    return 0;
}

static clib_library library = CLIB_LIBRARY(CMONGOC_SONAME, "libmongoc-1.0-0", symbols, initialise);

int cmongoc_load(char *error, size_t error_size) {
    return clib_load(&library, error, error_size);
}

const char *cmongoc_library_marker(void) {
    return "switchboard.dlopen=" CMONGOC_SONAME;
}

void cmongoc_log_set_handler(cmongoc_log_func_t handler, void *context) { mongoc.log_set_handler(handler, context); }
cmongoc_uri_t *cmongoc_uri_new_with_error(const char *text, cmongoc_error_t *error) { return mongoc.uri_new_with_error(text, error); }
bool cmongoc_uri_has_option(const cmongoc_uri_t *uri, const char *option) { return mongoc.uri_has_option(uri, option); }
bool cmongoc_uri_set_option_as_int32(cmongoc_uri_t *uri, const char *option, int32_t value) {
    return mongoc.uri_set_option_as_int32(uri, option, value);
}
const char *cmongoc_uri_get_appname(const cmongoc_uri_t *uri) { return mongoc.uri_get_appname(uri); }
bool cmongoc_uri_set_appname(cmongoc_uri_t *uri, const char *name) { return mongoc.uri_set_appname(uri, name); }
const char *cmongoc_uri_get_database(const cmongoc_uri_t *uri) { return mongoc.uri_get_database(uri); }
void cmongoc_uri_destroy(cmongoc_uri_t *uri) { mongoc.uri_destroy(uri); }
cmongoc_uri_t *cmongoc_uri_copy(const cmongoc_uri_t *uri) { return mongoc.uri_copy(uri); }
int32_t cmongoc_uri_get_option_as_int32(const cmongoc_uri_t *uri, const char *option, int32_t fallback) {
    return mongoc.uri_get_option_as_int32(uri, option, fallback);
}
cmongoc_client_t *cmongoc_client_new_from_uri(const cmongoc_uri_t *uri) { return mongoc.client_new_from_uri(uri); }
bool cmongoc_client_set_error_api(cmongoc_client_t *client, int32_t version) {
    return mongoc.client_set_error_api(client, version);
}
void cmongoc_client_destroy(cmongoc_client_t *client) { mongoc.client_destroy(client); }
cmongoc_client_pool_t *cmongoc_client_pool_new(const cmongoc_uri_t *uri) { return mongoc.client_pool_new(uri); }
bool cmongoc_client_pool_set_error_api(cmongoc_client_pool_t *pool, int32_t version) {
    return mongoc.client_pool_set_error_api(pool, version);
}
void cmongoc_client_pool_destroy(cmongoc_client_pool_t *pool) { mongoc.client_pool_destroy(pool); }
cmongoc_client_t *cmongoc_client_pool_pop(cmongoc_client_pool_t *pool) { return mongoc.client_pool_pop(pool); }
void cmongoc_client_pool_push(cmongoc_client_pool_t *pool, cmongoc_client_t *client) { mongoc.client_pool_push(pool, client); }
bool cmongoc_client_command_simple(cmongoc_client_t *client, const char *database, const cmongoc_bson_t *command,
                                   const cmongoc_read_prefs_t *read_prefs, cmongoc_bson_t *reply, cmongoc_error_t *error) {
    return mongoc.client_command_simple(client, database, command, read_prefs, reply, error);
}
cmongoc_bson_t *cmongoc_bson_new_from_json(const uint8_t *data, ssize_t length, cmongoc_error_t *error) {
    return mongoc.bson_new_from_json(data, length, error);
}
void cmongoc_bson_destroy(cmongoc_bson_t *document) { mongoc.bson_destroy(document); }
char *cmongoc_bson_as_relaxed_extended_json(const cmongoc_bson_t *document, size_t *length) {
    return mongoc.bson_as_relaxed_extended_json(document, length);
}
void cmongoc_bson_free(void *memory) { mongoc.bson_free(memory); }
