#ifndef SWITCHBOARD_CHIREDIS_SHIM_H
#define SWITCHBOARD_CHIREDIS_SHIM_H
#include <sys/time.h>
#include <hiredis/hiredis.h>

// Swift cannot see hiredis's #define'd reply types and error codes as typed constants;
// these name them once, as functions of the library's own values.
static inline int chiredis_reply_string(void) { return REDIS_REPLY_STRING; }
static inline int chiredis_reply_array(void) { return REDIS_REPLY_ARRAY; }
static inline int chiredis_reply_integer(void) { return REDIS_REPLY_INTEGER; }
static inline int chiredis_reply_nil(void) { return REDIS_REPLY_NIL; }
static inline int chiredis_reply_status(void) { return REDIS_REPLY_STATUS; }
static inline int chiredis_reply_error(void) { return REDIS_REPLY_ERROR; }
#endif
