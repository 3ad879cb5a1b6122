/*
 * Deep sleep and retained memory on the ESP8266, for boards/moddable/native/power.js.
 *
 * Deep sleep needs GPIO16 wired to RST: the RTC timer pulls GPIO16 low to wake the chip,
 * which then boots afresh. RTC user memory (512 bytes, blocks 64 to 191, at 0x60001200)
 * survives that and any other reset, not a power cut; the firmware's own checksum tells
 * a valid state from leftovers. The ESP8266 cannot wake from deep sleep on a GPIO other
 * than through RST.
 *
 * Moddable's rtctime (build/devices/esp/lib/rtc, RTC_TIME_BASE 0) keeps the clock in
 * words 0 to 9 of RTC user memory (blocks 64 to 73) and rewrites them whenever the clock
 * is read or set, Date.now() included: the retained bytes start after them, at block 74,
 * and take the 118 words left. The same numbers are in src/power/capacity.ts (a static
 * test compares them).
 *
 * Built by mcconfig -p esp.
 */
#include "xsmc.h"
#include "xsHost.h"
#include "mc.xs.h"

#include <string.h>
#include "user_interface.h"

#define kRtcUserFirstBlock (64)
#define kRtcTimeWords (10)
#define kRetainedFirstBlock (kRtcUserFirstBlock + kRtcTimeWords)
#define kRetainedCapacity (472)
#define kMaxSleepMs (3600000)

/* system_rtc_mem_* move whole 4-byte blocks, from a word-aligned buffer. */
static uint32_t gRtc[kRetainedCapacity / 4];

void xs_lampnode_retained_capacity(xsMachine *the)
{
	xsmcSetInteger(xsResult, kRetainedCapacity);
}

/* maxSleep() -> ms: the longest single deep sleep; the firmware chains longer ones. */
void xs_lampnode_max_sleep(xsMachine *the)
{
	xsmcSetInteger(xsResult, kMaxSleepMs);
}

/*
 * read() -> ArrayBuffer | undefined: the whole area, undefined after a power-on (what RTC
 * memory holds then is noise, not a torn record worth counting).
 */
void xs_lampnode_retained_read(xsMachine *the)
{
	struct rst_info *info = system_get_rst_info();
	if (info && (REASON_DEFAULT_RST == info->reason))
		return;
	if (!system_rtc_mem_read(kRetainedFirstBlock, gRtc, kRetainedCapacity))
		return;
	xsmcSetArrayBuffer(xsResult, gRtc, kRetainedCapacity);
}

/* write(ArrayBuffer): the area from its start; the records carry their own lengths. */
void xs_lampnode_retained_write(xsMachine *the)
{
	xsUnsignedValue length = xsmcGetArrayBufferLength(xsArg(0));
	if (length > kRetainedCapacity)
		xsRangeError("retained state over %d bytes", kRetainedCapacity);
	memset(gRtc, 0, sizeof(gRtc));
	xsmcGetArrayBufferData(xsArg(0), 0, gRtc, (xsIntegerValue)length);
	if (!system_rtc_mem_write(kRetainedFirstBlock, gRtc, (uint16)((length + 3) & ~3u)))
		xsUnknownError("RTC memory write failed");
}

/* wakeCause() -> "timer" | "reset" (the ESP8266 cannot wake on a GPIO from deep sleep) */
void xs_lampnode_wake_cause(xsMachine *the)
{
	struct rst_info *info = system_get_rst_info();
	xsmcSetString(xsResult, (info && (REASON_DEEP_SLEEP_AWAKE == info->reason)) ? "timer" : "reset");
}

/*
 * deepSleep(ms, wakePin, wakeLevel, radio): only the timer wakes an ESP8266 (GPIO16 ->
 * RST). system_deep_sleep takes a uint32 of microseconds: ms is clamped to kMaxSleepMs
 * (the firmware chains longer sleeps), never left to wrap. radio 0 makes the next boot
 * RF-disabled (option 4: a chained leg that only counts down); otherwise option 1, RF
 * calibration as the init data says, since the next wake needs the network.
 */
void xs_lampnode_deep_sleep(xsMachine *the)
{
	double ms = xsmcToNumber(xsArg(0));
	int radio = (xsmcArgc > 3) ? xsmcToInteger(xsArg(3)) : 1;
	uint32 us;
	if (!(ms > 0))
		ms = 0;
	else if (ms > kMaxSleepMs)
		ms = kMaxSleepMs;
	us = (uint32)(ms * 1000.0);
	system_deep_sleep_set_option(radio ? 1 : 4);
	system_deep_sleep(us);
}
