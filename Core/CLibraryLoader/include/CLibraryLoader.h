#ifndef SWITCHBOARD_CLIBRARYLOADER_H
#define SWITCHBOARD_CLIBRARYLOADER_H
#include <pthread.h>
#include <stddef.h>

// How Switchboard loads a C library the first time it is needed, rather than linking it:
// libcurl (CCurl), OpenSSL (CTLS) and libmongoc (CMongoC) each cost a process start-up
// time that a function which never uses them should not pay. Each of those modules
// declares one `clib_library` with the functions it calls, and calls `clib_load` before
// the first of them.

/// One function to resolve: its name in the library, and where its address goes.
typedef struct {
    const char *name;
    void **address;
} clib_symbol;

/// A library loaded at most once per process, with every function it must have.
typedef struct {
    /// The file to open ("libcurl.so.4").
    const char *soname;
    /// The Debian package that installs it, named when it is missing.
    const char *package;
    const clib_symbol *symbols;
    size_t symbol_count;
    /// Run once after every symbol resolved (NULL for none); returns 0, or -1 with the
    /// reason written to `error`.
    int (*initialise)(char *error, size_t error_size);
    pthread_mutex_t lock;
    /// 0 not tried yet, 1 loaded, -1 failed (for good: the reason is in `error`).
    int state;
    char error[512];
} clib_library;

/// A `clib_library` for `soname`, resolving the `symbols` array (whose size is taken here).
#define CLIB_LIBRARY(soname, package, symbols, initialise) \
    { soname, package, symbols, sizeof(symbols) / sizeof((symbols)[0]), initialise, PTHREAD_MUTEX_INITIALIZER, 0, "" }

/// One entry of a symbol table: the library's function `name`, stored in `field`.
#define CLIB_SYMBOL(field, name) { name, (void **)&(field) }

/// Loads `library` once (thread-safe; later calls return the first result). Returns 0,
/// or -1 with the reason in `error`.
int clib_load(clib_library *library, char *error, size_t error_size);

#endif
