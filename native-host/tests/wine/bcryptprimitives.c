/* Wine 8 (Debian 12's wine64) has no bcryptprimitives.dll, from which Rust's standard
 * library (and getrandom) import ProcessPrng since Rust 1.78; every Windows since 8.1
 * has it. scripts/test-windows.sh builds this stand-in with MinGW and puts it in the
 * test prefix's system32 so the real host exe starts under Wine. It fills the buffer
 * from RtlGenRandom (advapi32's SystemFunction036), which Wine implements. */
#include <windows.h>

BOOLEAN NTAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
