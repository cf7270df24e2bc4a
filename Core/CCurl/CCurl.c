// libcurl through dlopen: see include/CCurl.h.
#include "CCurl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define CCURL_SONAME "libcurl.so.4"

static struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *handle);
    void (*easy_reset)(CURL *handle);
    CURLcode (*easy_perform)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *text);
    void (*slist_free_all)(struct curl_slist *list);
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];
static int loaded = 0;

#define RESOLVE(field, name)                                                              \
    do {                                                                                  \
        *(void **)(&curl.field) = dlsym(library, name);                                   \
        if (!curl.field) {                                                                \
            snprintf(load_error, sizeof load_error, "%s lacks %s", CCURL_SONAME, name);   \
            return;                                                                       \
        }                                                                                 \
    } while (0)

static void load_library(void) {
    void *library = dlopen(CCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error, "cannot load %s (install libcurl4): %s", CCURL_SONAME, why ? why : "unknown reason");
        return;
    }
    RESOLVE(global_init, "curl_global_init");
    RESOLVE(easy_init, "curl_easy_init");
    RESOLVE(easy_cleanup, "curl_easy_cleanup");
    RESOLVE(easy_reset, "curl_easy_reset");
    RESOLVE(easy_perform, "curl_easy_perform");
    RESOLVE(easy_strerror, "curl_easy_strerror");
    RESOLVE(easy_setopt, "curl_easy_setopt");
    RESOLVE(easy_getinfo, "curl_easy_getinfo");
    RESOLVE(slist_append, "curl_slist_append");
    RESOLVE(slist_free_all, "curl_slist_free_all");
    loaded = 1;
}

int ccurl_load(char *error, size_t error_size) {
    pthread_once(&load_once, load_library);
    if (loaded) return 0;
    if (error && error_size > 0) snprintf(error, error_size, "%s", load_error);
    return -1;
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
