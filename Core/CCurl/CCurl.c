// libcurl through dlopen: see include/CCurl.h.
#include "CCurl.h"
#include <CLibraryLoader.h>

#define CCURL_SONAME "libcurl.so.4"

// Typed from curl.h's own declarations.
static struct {
    __typeof__(curl_global_init) *global_init;
    __typeof__(curl_easy_init) *easy_init;
    __typeof__(curl_easy_cleanup) *easy_cleanup;
    __typeof__(curl_easy_reset) *easy_reset;
    __typeof__(curl_easy_perform) *easy_perform;
    __typeof__(curl_easy_strerror) *easy_strerror;
    __typeof__(curl_easy_setopt) *easy_setopt;
    __typeof__(curl_easy_getinfo) *easy_getinfo;
    __typeof__(curl_slist_append) *slist_append;
    __typeof__(curl_slist_free_all) *slist_free_all;
} curl;

static const clib_symbol symbols[] = {
    CLIB_SYMBOL(curl.global_init, "curl_global_init"),
    CLIB_SYMBOL(curl.easy_init, "curl_easy_init"),
    CLIB_SYMBOL(curl.easy_cleanup, "curl_easy_cleanup"),
    CLIB_SYMBOL(curl.easy_reset, "curl_easy_reset"),
    CLIB_SYMBOL(curl.easy_perform, "curl_easy_perform"),
    CLIB_SYMBOL(curl.easy_strerror, "curl_easy_strerror"),
    CLIB_SYMBOL(curl.easy_setopt, "curl_easy_setopt"),
    CLIB_SYMBOL(curl.easy_getinfo, "curl_easy_getinfo"),
    CLIB_SYMBOL(curl.slist_append, "curl_slist_append"),
    CLIB_SYMBOL(curl.slist_free_all, "curl_slist_free_all"),
};

static clib_library library = CLIB_LIBRARY(CCURL_SONAME, "libcurl4", symbols, NULL);

int ccurl_load(char *error, size_t error_size) {
    return clib_load(&library, error, error_size);
}

const char *ccurl_library_marker(void) {
    return "switchboard.dlopen=" CCURL_SONAME;
}

// Every function below is called only after ccurl_load succeeded.
CURLcode ccurl_global_init(void) { return curl.global_init(CURL_GLOBAL_DEFAULT); }
CURL *ccurl_easy_init(void) { return curl.easy_init(); }
void ccurl_easy_cleanup(CURL *handle) { curl.easy_cleanup(handle); }
void ccurl_easy_reset(CURL *handle) { curl.easy_reset(handle); }
CURLcode ccurl_easy_perform(CURL *handle) { return curl.easy_perform(handle); }
const char *ccurl_easy_strerror(CURLcode code) { return curl.easy_strerror(code); }
struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *text) { return curl.slist_append(list, text); }
void ccurl_slist_free_all(struct curl_slist *list) { if (list) curl.slist_free_all(list); }

CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value) { return curl.easy_setopt(handle, option, value); }
CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value) { return curl.easy_setopt(handle, option, value); }
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value) { return curl.easy_setopt(handle, option, value); }
CURLcode ccurl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) { return curl.easy_setopt(handle, option, value); }
CURLcode ccurl_setopt_postfields(CURL *handle, const char *data, long length) {
    CURLcode status = curl.easy_setopt(handle, CURLOPT_POSTFIELDSIZE, length);
    if (status != CURLE_OK) return status;
    return curl.easy_setopt(handle, CURLOPT_COPYPOSTFIELDS, data);
}
CURLcode ccurl_setopt_write_function(CURL *handle, CURLoption option, ccurl_write_callback callback) {
    return curl.easy_setopt(handle, option, callback);
}
CURLcode ccurl_response_code(CURL *handle, long *code) { return curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, code); }
