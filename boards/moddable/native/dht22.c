/*
 * DHT22 capture on the ESP32 and the ESP8266, for dht22.js: the start signal, then the
 * widths of the answer's pulses. Decoding and every check happen in portable code
 * (src/drivers/dht22/decode.ts).
 *
 * The line is timed by polling with interrupts off. A frame lasts about 5 ms (40 bits
 * of 50 us low plus 27 or 70 us high), short enough for Wi-Fi to ride out, and an
 * interrupt in the middle would stretch a pulse past the 27/70 us distinction. On the
 * ESP32 this replaces Moddable's pins/rmt, which current SDKs no longer build there
 * (its legacy RMT driver left ESP-IDF 5).
 *
 * Not compiled in this project's CI (no ESP toolchains there): built by mcconfig.
 */
#include "xsmc.h"
#include "xsHost.h"
#include "mc.xs.h"
#include "modGPIO.h"

#define kStartLowMilliseconds (2)	/* datasheet: at least 1 ms; a tick-based delay may be short by one */
#define kIdleMicroseconds (300)	/* no edge for this long: the frame is over, or never came */
#define kFrameLimitMicroseconds (12000)	/* a bound on the time with interrupts off, whatever the line does */

/* capture(pin, buffer: ArrayBuffer of uint16) -> count of widths, the first one high */
void xs_lampnode_dht22_capture(xsMachine *the)
{
	int pin = xsmcToInteger(xsArg(0));
	int capacity = xsmcGetArrayBufferLength(xsArg(1)) / sizeof(uint16_t);
	uint16_t *widths = (uint16_t *)xsmcToArrayBuffer(xsArg(1));
	modGPIOConfigurationRecord line;
	uint32_t start, edge, now;
	uint8_t level, value;
	int count = 0;
	modCriticalSectionDeclare;

	if (modGPIOInit(&line, NULL, pin, kModGPIOOutputOpenDrain))
		xsUnknownError("cannot use the DHT22 pin");
	modGPIOWrite(&line, 0);
	modDelayMilliseconds(kStartLowMilliseconds);

	modCriticalSectionBegin();
	modGPIOSetMode(&line, kModGPIOInputPullUp);	/* release: the pull-up brings the line high */
	level = 1;
	start = edge = modMicroseconds();
	for (;;) {
		now = modMicroseconds();
		value = modGPIORead(&line);
		if (value != level) {
			if (count < capacity)
				widths[count++] = (uint16_t)(now - edge);
			edge = now;
			level = value;
		}
		else if ((now - edge) > kIdleMicroseconds)
			break;
		if ((now - start) > kFrameLimitMicroseconds)
			break;
	}
	modCriticalSectionEnd();

	modGPIOUninit(&line);
	xsmcSetInteger(xsResult, count);
}
