/*
 * Deep sleep and retained memory on the ESP32, for boards/moddable/native/power.js.
 *
 * Moddable's System.deepSleep is a no-op on the ESP32, so the firmware sleeps here:
 * a timer wake-up, optionally an ext0 wake-up on the button's RTC GPIO, then
 * esp_deep_sleep_start(). Retained bytes live in RTC slow memory (RTC_DATA_ATTR), which
 * keeps its contents through deep sleep but not through a power cut; the firmware's own
 * checksum tells a valid state from what is left after a power-on.
 *
 * Not compiled in this project's CI (no ESP-IDF there): built by mcconfig -p esp32.
 */
#include "xsmc.h"
#include "xsHost.h"
#include "mc.xs.h"

#include <string.h>
#include "esp_sleep.h"
#include "esp_attr.h"
#include "driver/gpio.h"
#include "driver/rtc_io.h"
#include "soc/soc_caps.h"

#define kRetainedCapacity (4096)

static RTC_DATA_ATTR uint16_t gRetainedLength;
static RTC_DATA_ATTR uint8_t gRetained[kRetainedCapacity];

void xs_lampnode_retained_capacity(xsMachine *the)
{
	xsmcSetInteger(xsResult, kRetainedCapacity);
}

/*
 * maxSleep() -> 0: no limit the firmware can reach. esp_sleep_enable_timer_wakeup takes a
 * uint64 of microseconds and the RTC timer counts 48 bits at about 150 kHz (decades).
 */
void xs_lampnode_max_sleep(xsMachine *the)
{
	xsmcSetInteger(xsResult, 0);
}

/* read() -> ArrayBuffer | undefined */
void xs_lampnode_retained_read(xsMachine *the)
{
	if ((0 == gRetainedLength) || (gRetainedLength > kRetainedCapacity))
		return;
	xsmcSetArrayBuffer(xsResult, gRetained, gRetainedLength);
}

/* write(ArrayBuffer) */
void xs_lampnode_retained_write(xsMachine *the)
{
	xsUnsignedValue length = xsmcGetArrayBufferLength(xsArg(0));
	if (length > kRetainedCapacity)
		xsRangeError("retained state over %d bytes", kRetainedCapacity);
	/* A reset in the middle leaves a length that does not match the bytes: the checksum catches it. */
	gRetainedLength = 0;
	xsmcGetArrayBufferData(xsArg(0), 0, gRetained, length);
	gRetainedLength = (uint16_t)length;
}

/* wakeCause() -> "timer" | "button" | "reset" */
void xs_lampnode_wake_cause(xsMachine *the)
{
	switch (esp_sleep_get_wakeup_cause()) {
		case ESP_SLEEP_WAKEUP_TIMER:
			xsmcSetString(xsResult, "timer");
			break;
		case ESP_SLEEP_WAKEUP_EXT0:
			xsmcSetString(xsResult, "button");
			break;
		default:
			xsmcSetString(xsResult, "reset");
			break;
	}
}

/*
 * deepSleep(ms, wakePin, wakeLevel, radio): wakePin -1 for the timer only. Does not
 * return. The radio argument is for the ESP8266: an ESP32 starts Wi-Fi only when the
 * firmware asks. The count is a uint64 of microseconds: no wrap for any ms the firmware
 * sends (a negative or NaN one becomes 0).
 */
void xs_lampnode_deep_sleep(xsMachine *the)
{
	double ms = xsmcToNumber(xsArg(0));
	int pin = xsmcToInteger(xsArg(1));
	int level = xsmcToInteger(xsArg(2));

	if (!(ms > 0))
		ms = 0;
	esp_sleep_enable_timer_wakeup((uint64_t)(ms * 1000.0));
#if SOC_PM_SUPPORT_EXT0_WAKEUP	/* the original ESP32 and the S2/S3; not the C3, C6 or H2 */
	if ((pin >= 0) && rtc_gpio_is_valid_gpio((gpio_num_t)pin)) {
		/* ext0 needs an RTC GPIO; keep the RTC peripherals powered so its pull stays on. */
		esp_sleep_pd_config(ESP_PD_DOMAIN_RTC_PERIPH, ESP_PD_OPTION_ON);
		if (level)
			rtc_gpio_pulldown_en((gpio_num_t)pin);
		else
			rtc_gpio_pullup_en((gpio_num_t)pin);
		esp_sleep_enable_ext0_wakeup((gpio_num_t)pin, level);
	}
#else
	(void)pin;
	(void)level;
#endif
	esp_deep_sleep_start();
}
