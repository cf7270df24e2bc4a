// OpenSSL through dlopen: see include/CTLS.h.
#include "CTLS.h"
#include <CLibraryLoader.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#define CTLS_SONAME "libssl.so.3"

_Static_assert(CTLS_ERROR_SSL == SSL_ERROR_SSL && CTLS_ERROR_WANT_READ == SSL_ERROR_WANT_READ
               && CTLS_ERROR_WANT_WRITE == SSL_ERROR_WANT_WRITE && CTLS_ERROR_SYSCALL == SSL_ERROR_SYSCALL
               && CTLS_ERROR_ZERO_RETURN == SSL_ERROR_ZERO_RETURN, "CTLS_ERROR_ values are OpenSSL's");

// Typed from OpenSSL's own declarations.
static struct {
    __typeof__(OPENSSL_init_ssl) *init_ssl;
    __typeof__(TLS_client_method) *client_method;
    __typeof__(SSL_CTX_new) *ctx_new;
    __typeof__(SSL_CTX_free) *ctx_free;
    __typeof__(SSL_CTX_ctrl) *ctx_ctrl;
    __typeof__(SSL_CTX_set_verify) *ctx_set_verify;
    __typeof__(SSL_CTX_set_security_level) *ctx_set_security_level;
    __typeof__(SSL_CTX_load_verify_locations) *ctx_load_verify_locations;
    __typeof__(SSL_CTX_set_default_verify_paths) *ctx_set_default_verify_paths;
    __typeof__(SSL_new) *ssl_new;
    __typeof__(SSL_free) *ssl_free;
    __typeof__(SSL_set_fd) *set_fd;
    __typeof__(SSL_ctrl) *ssl_ctrl;
    __typeof__(SSL_set1_host) *set1_host;
    __typeof__(SSL_connect) *connect;
    __typeof__(SSL_read) *read;
    __typeof__(SSL_write) *write;
    __typeof__(SSL_pending) *pending;
    __typeof__(SSL_shutdown) *shutdown;
    __typeof__(SSL_get_error) *get_error;
    __typeof__(SSL_get_verify_result) *get_verify_result;
    __typeof__(X509_verify_cert_error_string) *verify_error_string;
    __typeof__(ERR_get_error) *err_get_error;
    __typeof__(ERR_error_string_n) *err_error_string_n;
    __typeof__(ERR_clear_error) *err_clear_error;
} ssl;

static const clib_symbol symbols[] = {
    CLIB_SYMBOL(ssl.init_ssl, "OPENSSL_init_ssl"),
    CLIB_SYMBOL(ssl.client_method, "TLS_client_method"),
    CLIB_SYMBOL(ssl.ctx_new, "SSL_CTX_new"),
    CLIB_SYMBOL(ssl.ctx_free, "SSL_CTX_free"),
    CLIB_SYMBOL(ssl.ctx_ctrl, "SSL_CTX_ctrl"),
    CLIB_SYMBOL(ssl.ctx_set_verify, "SSL_CTX_set_verify"),
    CLIB_SYMBOL(ssl.ctx_set_security_level, "SSL_CTX_set_security_level"),
    CLIB_SYMBOL(ssl.ctx_load_verify_locations, "SSL_CTX_load_verify_locations"),
    CLIB_SYMBOL(ssl.ctx_set_default_verify_paths, "SSL_CTX_set_default_verify_paths"),
    CLIB_SYMBOL(ssl.ssl_new, "SSL_new"),
    CLIB_SYMBOL(ssl.ssl_free, "SSL_free"),
    CLIB_SYMBOL(ssl.set_fd, "SSL_set_fd"),
    CLIB_SYMBOL(ssl.ssl_ctrl, "SSL_ctrl"),
    CLIB_SYMBOL(ssl.set1_host, "SSL_set1_host"),
    CLIB_SYMBOL(ssl.connect, "SSL_connect"),
    CLIB_SYMBOL(ssl.read, "SSL_read"),
    CLIB_SYMBOL(ssl.write, "SSL_write"),
    CLIB_SYMBOL(ssl.pending, "SSL_pending"),
    CLIB_SYMBOL(ssl.shutdown, "SSL_shutdown"),
    CLIB_SYMBOL(ssl.get_error, "SSL_get_error"),
    CLIB_SYMBOL(ssl.get_verify_result, "SSL_get_verify_result"),
    // libcrypto's, found through libssl's own dependencies.
    CLIB_SYMBOL(ssl.verify_error_string, "X509_verify_cert_error_string"),
    CLIB_SYMBOL(ssl.err_get_error, "ERR_get_error"),
    CLIB_SYMBOL(ssl.err_error_string_n, "ERR_error_string_n"),
    CLIB_SYMBOL(ssl.err_clear_error, "ERR_clear_error"),
};

/// The machine's openssl.cnf is not read: what a connection needs (TLS 1.2 or later,
/// security level 2, the peer checked) is set on each context, and reading the file
/// costs a one-shot process some 1.6 million instructions.
static int initialise(char *error, size_t error_size) {
    if (ssl.init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) == 1) return 0;
    snprintf(error, error_size, "%s could not be initialised", CTLS_SONAME);
    return -1;
}

static clib_library library = CLIB_LIBRARY(CTLS_SONAME, "libssl3", symbols, initialise);

int ctls_load(char *error, size_t error_size) {
    return clib_load(&library, error, error_size);
}

const char *ctls_library_marker(void) {
    return "switchboard.dlopen=" CTLS_SONAME;
}

/// OpenSSL's queued errors, the first one worded, the queue emptied.
static void queued_errors(char *text, size_t size) {
    unsigned long code = ssl.err_get_error();
    if (code == 0) {
        snprintf(text, size, "no reason given");
        return;
    }
    ssl.err_error_string_n(code, text, size);
    while (ssl.err_get_error() != 0) {}
}

// Every function below is called only after ctls_load succeeded.

SSL_CTX *ctls_client_context(const char *ca_file, int verify, char *error, size_t error_size) {
    ssl.err_clear_error();
    SSL_CTX *context = ssl.ctx_new(ssl.client_method());
    if (!context) {
        queued_errors(error, error_size);
        return NULL;
    }
    // What Debian's openssl.cnf would have asked (it is not read): at least 112 bits of
    // security (RSA and DH keys of 2048 bits or more, no SHA-1 signatures), TLS 1.2 or later.
    ssl.ctx_set_security_level(context, 2);
    if (ssl.ctx_ctrl(context, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL) != 1) {
        queued_errors(error, error_size);
        ssl.ctx_free(context);
        return NULL;
    }
    if (verify) {
        int found = ca_file ? ssl.ctx_load_verify_locations(context, ca_file, NULL) : ssl.ctx_set_default_verify_paths(context);
        if (found != 1) {
            char reason[256];
            queued_errors(reason, sizeof reason);
            snprintf(error, error_size, "cannot read the CA certificates%s%s: %s", ca_file ? " in " : "", ca_file ? ca_file : "", reason);
            ssl.ctx_free(context);
            return NULL;
        }
    }
    ssl.ctx_set_verify(context, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
    return context;
}

void ctls_context_free(SSL_CTX *context) {
    if (context) ssl.ctx_free(context);
}

SSL *ctls_new(SSL_CTX *context, int fd, const char *host, int check_host, char *error, size_t error_size) {
    ssl.err_clear_error();
    SSL *connection = ssl.ssl_new(context);
    if (!connection) {
        queued_errors(error, error_size);
        return NULL;
    }
    // SNI carries a name only: an address is checked, never sent.
    int is_address = strspn(host, "0123456789.") == strlen(host) || strchr(host, ':') != NULL;
    if (ssl.set_fd(connection, fd) != 1
        || (!is_address && ssl.ssl_ctrl(connection, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, (void *)host) != 1)
        || (check_host && ssl.set1_host(connection, host) != 1)) {
        queued_errors(error, error_size);
        ssl.ssl_free(connection);
        return NULL;
    }
    return connection;
}

void ctls_free(SSL *connection) {
    if (connection) ssl.ssl_free(connection);
}

int ctls_connect(SSL *connection) {
    ssl.err_clear_error();
    return ssl.connect(connection);
}

int ctls_read(SSL *connection, void *buffer, int size) {
    ssl.err_clear_error();
    return ssl.read(connection, buffer, size);
}

int ctls_write(SSL *connection, const void *buffer, int size) {
    ssl.err_clear_error();
    return ssl.write(connection, buffer, size);
}

int ctls_pending(const SSL *connection) {
    return ssl.pending(connection);
}

void ctls_shutdown(SSL *connection) {
    ssl.err_clear_error();
    ssl.shutdown(connection);
    ssl.err_clear_error();
}

int ctls_error(const SSL *connection, int result) {
    return ssl.get_error(connection, result);
}

long ctls_verify_result(const SSL *connection) {
    return ssl.get_verify_result(connection);
}

_Static_assert(X509_V_OK == 0 && X509_V_ERR_CERT_HAS_EXPIRED == 10 && X509_V_ERR_CERT_NOT_YET_VALID == 9
               && X509_V_ERR_HOSTNAME_MISMATCH == 62 && X509_V_ERR_IP_ADDRESS_MISMATCH == 64
               && X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT == 2 && X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT == 18
               && X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN == 19 && X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY == 20
               && X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE == 21, "the verdicts TLSStream.swift names");

void ctls_describe(const SSL *connection, int errno_value, char *text, size_t size) {
    long verdict = ssl.get_verify_result(connection);
    if (verdict != X509_V_OK) {
        snprintf(text, size, "the server's certificate was refused: %s", ssl.verify_error_string(verdict));
        while (ssl.err_get_error() != 0) {}
        return;
    }
    if (ssl.err_get_error == NULL) return;
    char reason[256];
    unsigned long code = ssl.err_get_error();
    if (code == 0) {
        snprintf(text, size, "%s", errno_value ? strerror(errno_value) : "the connection was closed");
        return;
    }
    ssl.err_error_string_n(code, reason, sizeof reason);
    while (ssl.err_get_error() != 0) {}
    snprintf(text, size, "%s", reason);
}
