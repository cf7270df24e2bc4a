#ifndef SWITCHBOARD_CCURL_H
#define SWITCHBOARD_CCURL_H
#include <stddef.h>
#include <curl/curl.h>

// libcurl, loaded at run time (dlopen) rather than linked: libcurl brings some thirty
// shared libraries (OpenSSL, nghttp2, LDAP, Kerberos…) whose loading cost every process
// linking it several milliseconds at start-up, and bootstrap needs it only to fetch its
// secrets. curl.h is included for its types and constants only; every call goes through
// the functions below, which call the loaded library.
//
// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call; the
// setopt and getinfo functions here give each argument type its own typed function.

/// Loads libcurl once (thread-safe). Returns 0, or -1 with the reason in `error`.
int ccurl_load(char *error, size_t error_size);

/// "switchboard.dlopen=libcurl.so.4": the library to load, behind the marker `make
/// package` looks for in built binaries to bundle what is loaded at run time.
const char *ccurl_library_marker(void);

CURLcode ccurl_global_init(void);
CURL *ccurl_easy_init(void);
void ccurl_easy_cleanup(CURL *handle);
void ccurl_easy_reset(CURL *handle);
CURLcode ccurl_easy_perform(CURL *handle);
const char *ccurl_easy_strerror(CURLcode code);
struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *text);
void ccurl_slist_free_all(struct curl_slist *list);

CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ccurl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode ccurl_setopt_postfields(CURL *handle, const char *data, long length);
typedef size_t (*ccurl_write_callback)(char *data, size_t size, size_t count, void *context);
CURLcode ccurl_setopt_write_function(CURL *handle, CURLoption option, ccurl_write_callback callback);
CURLcode ccurl_response_code(CURL *handle, long *code);

#endif
