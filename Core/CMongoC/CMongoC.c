// The one definition behind include/CMongoC.h's declarations.
#include "CMongoC.h"

const char *cmongoc_library_marker(void) {
    return "switchboard.dlopen=libmongoc-1.0.so.0";
}
