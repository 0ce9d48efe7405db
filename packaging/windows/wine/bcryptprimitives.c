/*
 * bcryptprimitives.dll for Wine 8.0 (Debian 12), which lacks it: Go 1.24
 * and later load ProcessPrng from it at start-up and abort without it
 * ("fatal error: bcryptprimitives.dll not found"). This stand-in, used
 * only to run Windows builds under Wine in `make package-windows-check`
 * and `make wine-test`, fills the buffer from RtlGenRandom
 * (advapi32 SystemFunction036), as ProcessPrng does on Windows.
 */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!RtlGenRandom(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
