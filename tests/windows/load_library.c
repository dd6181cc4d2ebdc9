/* Test-only: loads a DLL with LoadLibrary, as Godot does, and resolves
 * each named entry point with GetProcAddress.
 * usage: load_library.exe DLL SYMBOL...
 * Prints one line per step; exits 1 on the first failure. */
#include <stdio.h>
#include <windows.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s DLL SYMBOL...\n", argv[0]);
        return 2;
    }
    HMODULE dll = LoadLibraryA(argv[1]);
    if (dll == NULL) {
        printf("LoadLibrary %s failed: error %lu\n", argv[1], GetLastError());
        return 1;
    }
    printf("LoadLibrary %s: ok\n", argv[1]);
    for (int i = 2; i < argc; i++) {
        if (GetProcAddress(dll, argv[i]) == NULL) {
            printf("GetProcAddress %s failed: error %lu\n", argv[i], GetLastError());
            return 1;
        }
        printf("GetProcAddress %s: ok\n", argv[i]);
    }
    if (!FreeLibrary(dll)) {
        printf("FreeLibrary failed: error %lu\n", GetLastError());
        return 1;
    }
    printf("FreeLibrary: ok\n");
    return 0;
}
