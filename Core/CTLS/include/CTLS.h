// OpenSSL's TLS client, loaded with dlopen only when a connection asks for TLS (a
// `rediss://` Redis): a process that never does never loads libssl and libcrypto.
// Compiled against Debian's OpenSSL 3 headers (libssl-dev) for its types and constants.
//
// The only caller is Core/Drivers/TLS/TLSStream.swift, which owns every pointer these
// functions hand out.
#ifndef SWITCHBOARD_CTLS_H
#define SWITCHBOARD_CTLS_H

#include <stddef.h>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

/// Loads libssl.so.3 once; 0 on success, else -1 with the reason in `error`.
int ctls_load(char *error, size_t error_size);
/// The marker `make package` reads to bundle the library this code loads at run time.
const char *ctls_library_marker(void);

/// A client context: TLS 1.2 or later, the peer's certificate verified against
/// `ca_file` (or, when NULL, the system's bundle) unless `verify` is 0. NULL on failure,
/// with OpenSSL's reason in `error`.
SSL_CTX *ctls_client_context(const char *ca_file, int verify, char *error, size_t error_size);
void ctls_context_free(SSL_CTX *context);

/// A connection over the connected socket `fd`, sending `host` as SNI and, when the
/// context verifies, checking the certificate names it. NULL on failure.
SSL *ctls_new(SSL_CTX *context, int fd, const char *host, int check_host, char *error, size_t error_size);
void ctls_free(SSL *ssl);

/// One step of the handshake: 1 done; otherwise SSL_connect's result, for ctls_error.
int ctls_connect(SSL *ssl);
int ctls_read(SSL *ssl, void *buffer, int size);
int ctls_write(SSL *ssl, const void *buffer, int size);
int ctls_pending(const SSL *ssl);
/// Sends close_notify without waiting for the peer's.
void ctls_shutdown(SSL *ssl);

/// What a failed call means: one of the CTLS_ERROR_ values.
int ctls_error(const SSL *ssl, int result);
/// Why the last failure happened, in words: the certificate check's verdict when that
/// failed, else OpenSSL's error queue (emptied). `errno_value` is used for a failure
/// OpenSSL saw as a system call's.
void ctls_describe(const SSL *ssl, int errno_value, char *text, size_t size);
/// X509_V_OK (0) unless the peer's certificate was checked and refused: then OpenSSL's
/// X509_V_ERR_ code.
long ctls_verify_result(const SSL *ssl);

enum {
    CTLS_ERROR_NONE = 0,
    CTLS_ERROR_SSL = 1,
    CTLS_ERROR_WANT_READ = 2,
    CTLS_ERROR_WANT_WRITE = 3,
    CTLS_ERROR_SYSCALL = 5,
    CTLS_ERROR_ZERO_RETURN = 6,
};

#endif
