/*
 * Random bytes from the OS (getrandom(2)) for the firmware in Moddable's simulator.
 *
 * The SDK has no real random source on lin: Math.random and the crypt module's RNG are
 * both C's rand(), which nothing seeds (xsMath.c leaves c_srand commented out), so every
 * boot drew the same "random" client id and the same backoff jitter.
 */
#include "xsmc.h"
#include "xsHost.h"

#include <errno.h>
#include <sys/random.h>

/* fill(buffer): writes random bytes over all of `buffer`. */
void xs_lampnode_random_fill(xsMachine *the)
{
	void *data;
	xsUnsignedValue length;
	uint8_t *bytes;

	xsmcGetBufferWritable(xsArg(0), &data, &length);
	bytes = data;
	while (length > 0) {
		ssize_t got = getrandom(bytes, length, 0);
		if (got < 0) {
			if (EINTR == errno)
				continue;
			xsUnknownError("getrandom failed");
		}
		bytes += got;
		length -= (xsUnsignedValue)got;
	}
}
