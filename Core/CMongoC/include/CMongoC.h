#ifndef SWITCHBOARD_CMONGOC_H
#define SWITCHBOARD_CMONGOC_H
#include <stdint.h>

// The few libmongoc/libbson 1.23 types and constants the MongoDB driver needs, declared
// here because libmongoc is loaded at run time (dlopen) instead of linked: a process that
// never talks to MongoDB never pays for libmongoc's start-up. Values and layouts are
// those of mongoc-error.h, mongoc-log.h and bson-types.h; check/layout_check.c asserts
// each against the installed headers (`make check-mongoc`, run by `make test` and
// `make package`).

/// bson_error_t: 8-byte aligned, 512 bytes.
typedef struct {
    uint32_t domain;
    uint32_t code;
    char message[504];
} __attribute__((aligned(8))) cmongoc_error_t;

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

/// "switchboard.dlopen=libmongoc-1.0.so.0": the library to load, behind the marker
/// `make package` looks for in built binaries to bundle what is loaded at run time.
const char *cmongoc_library_marker(void);

#endif
