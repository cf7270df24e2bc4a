#ifndef SWITCHBOARD_CSQLITE_SHIM_H
#define SWITCHBOARD_CSQLITE_SHIM_H
#include <sqlite3.h>

// Turns off SQLite's memory statistics, which take a global mutex around every
// allocation (several per statement). Only effective before SQLite initialises, so it
// is called before the first connection opens; SQLITE_MISUSE after that is harmless.
static inline int csqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
#endif
