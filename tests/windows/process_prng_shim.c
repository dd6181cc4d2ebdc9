/* Test-only, never shipped: bcryptprimitives.dll's ProcessPrng for Wine
 * 8.0, which lacks it. Rust's standard library imports it (Windows 10 and
 * newer have it); scripts/windows.sh puts this DLL beside the Windows test
 * programs it runs under Wine. Built from advapi32's SystemFunction036
 * (RtlGenRandom), which Wine has. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
