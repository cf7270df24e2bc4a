#ifndef SWITCHBOARD_CMONGOC_SHIM_H
#define SWITCHBOARD_CMONGOC_SHIM_H
#include <mongoc/mongoc.h>

// libmongoc's error domains and codes are enums Swift sees as plain integers; naming the
// few the driver maps keeps the numbers out of Swift.
static inline uint32_t cmongoc_domain_server_selection(void) { return MONGOC_ERROR_SERVER_SELECTION; }
static inline uint32_t cmongoc_domain_stream(void) { return MONGOC_ERROR_STREAM; }
static inline uint32_t cmongoc_domain_server(void) { return MONGOC_ERROR_SERVER; }
static inline uint32_t cmongoc_domain_client(void) { return MONGOC_ERROR_CLIENT; }
static inline uint32_t cmongoc_domain_write_concern(void) { return MONGOC_ERROR_WRITE_CONCERN; }
static inline uint32_t cmongoc_code_client_authenticate(void) { return MONGOC_ERROR_CLIENT_AUTHENTICATE; }
static inline uint32_t cmongoc_code_stream_socket(void) { return MONGOC_ERROR_STREAM_SOCKET; }
#endif
