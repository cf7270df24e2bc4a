// Loading a C library at run time: see include/CLibraryLoader.h.
#include "CLibraryLoader.h"
#include <dlfcn.h>
#include <stdio.h>

static void resolve(clib_library *library) {
    void *handle = dlopen(library->soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        snprintf(library->error, sizeof library->error, "cannot load %s (install %s): %s", library->soname, library->package,
                 why ? why : "unknown reason");
        library->state = -1;
        return;
    }
    for (size_t index = 0; index < library->symbol_count; index++) {
        const clib_symbol *symbol = &library->symbols[index];
        *symbol->address = dlsym(handle, symbol->name);
        if (!*symbol->address) {
            snprintf(library->error, sizeof library->error, "%s lacks %s", library->soname, symbol->name);
            library->state = -1;
            return;
        }
    }
    if (library->initialise && library->initialise(library->error, sizeof library->error) != 0) {
        library->state = -1;
        return;
    }
    library->state = 1;
}

int clib_load(clib_library *library, char *error, size_t error_size) {
    pthread_mutex_lock(&library->lock);
    if (library->state == 0) resolve(library);
    int state = library->state;
    pthread_mutex_unlock(&library->lock);
    if (state == 1) return 0;
    if (error && error_size > 0) snprintf(error, error_size, "%s", library->error);
    return -1;
}
