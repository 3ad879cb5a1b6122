/*
 * Deep sleep and retained memory on the ESP8266, for boards/esp8266/power.js.
 *
 * Deep sleep needs GPIO16 wired to RST: the RTC timer pulls GPIO16 low to wake the chip,
 * which then boots afresh. RTC user memory (512 bytes, blocks 64 to 191) survives that,
 * not a power cut; the firmware's own checksum tells a valid state from leftovers.
 * The ESP8266 cannot wake from deep sleep on a GPIO other than through RST.
 *
 * Not compiled in this project's CI (no ESP8266 toolchain there): built by mcconfig -p esp.
 */
#include "xsmc.h"
#include "xsHost.h"
#include "mc.xs.h"

#include "user_interface.h"

#define kRtcUserBlock (64)
#define kRtcUserBytes (512)
#define kRetainedCapacity (kRtcUserBytes - 4)

void xs_lampnode_retained_capacity(xsMachine *the)
{
	xsmcSetInteger(xsResult, kRetainedCapacity);
}

/* The first 4 bytes hold the length; system_rtc_mem_* move whole 4-byte blocks. */
static uint32_t gRtc[kRtcUserBytes / 4];

/* read() -> ArrayBuffer | undefined */
void xs_lampnode_retained_read(xsMachine *the)
{
	uint32_t length;
	if (!system_rtc_mem_read(kRtcUserBlock, gRtc, kRtcUserBytes))
		return;
	length = gRtc[0];
	if ((0 == length) || (length > kRetainedCapacity))
		return;
	xsmcSetArrayBuffer(xsResult, (uint8_t *)&gRtc[1], length);
}

/* write(ArrayBuffer) */
void xs_lampnode_retained_write(xsMachine *the)
{
	uint32_t length = xsmcGetArrayBufferLength(xsArg(0));
	if (length > kRetainedCapacity)
		xsRangeError("retained state over %d bytes", kRetainedCapacity);
	gRtc[0] = length;
	xsmcGetArrayBufferData(xsArg(0), 0, &gRtc[1], length);
	if (!system_rtc_mem_write(kRtcUserBlock, gRtc, 4 + ((length + 3) & ~3)))
		xsUnknownError("RTC memory write failed");
}

/* wakeCause() -> "timer" | "reset" (the ESP8266 cannot wake on a GPIO from deep sleep) */
void xs_lampnode_wake_cause(xsMachine *the)
{
	struct rst_info *info = system_get_rst_info();
	xsmcSetString(xsResult, (info && (REASON_DEEP_SLEEP_AWAKE == info->reason)) ? "timer" : "reset");
}

/* deepSleep(ms, wakePin, wakeLevel): only the timer wakes an ESP8266 (via GPIO16 -> RST). */
void xs_lampnode_deep_sleep(xsMachine *the)
{
	double ms = xsmcToNumber(xsArg(0));
	system_deep_sleep_set_option(1);	/* RF calibration as the init data says: the radio is needed on wake */
	system_deep_sleep((uint64_t)(ms * 1000.0));
}
