/* Test-only: a DLL the Windows checks must reject (tests/addon.rs). It
 * imports mingw-w64's runtime DLLs, which a Windows machine does not have
 * (libgcc_s_seh-1.dll for a 128-bit division, libwinpthread-1.dll), and
 * exports Godot's init entry points but not godot_nativescript_init. */
#include <pthread.h>

__declspec(dllexport) void godot_gdnative_init(void *options) { (void)options; }
__declspec(dllexport) void godot_gdnative_terminate(void *options) { (void)options; }

__declspec(dllexport) unsigned long long bad_divide(unsigned __int128 a, unsigned __int128 b)
{
    return (unsigned long long)(a / b);
}

__declspec(dllexport) unsigned long long bad_thread_id(void)
{
    return (unsigned long long)pthread_self();
}
