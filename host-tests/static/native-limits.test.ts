/**
 * The numbers the native power code and the portable firmware must agree on, read from
 * the C source: the ESP8266's retained bytes (RTC user memory past rtctime's words) and
 * its longest single sleep, and that the ESP32's sleep count is 64-bit. Checked here,
 * since CI compiles no device code.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Esp8266 } from "../../src/power/capacity";

const esp8266 = readFileSync("boards/esp8266/native/lampnode_power.c", "utf8");
const esp32 = readFileSync("boards/esp32/native/lampnode_power.c", "utf8");

function define(source: string, name: string): number {
	const match = new RegExp(`#define ${name} \\((\\d+)\\)`).exec(source);
	if (!match) throw new Error(`no #define ${name} (N)`);
	return Number(match[1]);
}

describe("native power limits", () => {
	it("ESP8266: retained bytes start after rtctime's words 0-9 and fill the rest of RTC user memory", () => {
		expect(define(esp8266, "kRtcUserFirstBlock")).toBe(64);
		expect(define(esp8266, "kRtcTimeWords") * 4).toBe(Esp8266.RTCTIME_BYTES);
		expect(define(esp8266, "kRetainedCapacity")).toBe(Esp8266.RETAINED_CAPACITY);
		expect(Esp8266.RETAINED_CAPACITY + Esp8266.RTCTIME_BYTES).toBe(Esp8266.RTC_USER_BYTES);
		expect(esp8266).toContain("system_rtc_mem_write(kRetainedFirstBlock");
		expect(esp8266).toContain("system_rtc_mem_read(kRetainedFirstBlock");
	});

	it("ESP8266: the longest sleep fits system_deep_sleep's uint32 of microseconds, and the code clamps to it", () => {
		expect(define(esp8266, "kMaxSleepMs")).toBe(Esp8266.MAX_SLEEP_MS);
		expect(Esp8266.MAX_SLEEP_MS * 1000).toBeLessThanOrEqual(0xffffffff);
		expect(esp8266).toMatch(/ms > kMaxSleepMs\)\s*ms = kMaxSleepMs;/);
		expect(esp8266).toContain("system_deep_sleep_set_option(radio ? 1 : 4)");
	});

	it("ESP32: the timer wake-up takes a 64-bit count and the binding reports no limit", () => {
		expect(esp32).toContain("esp_sleep_enable_timer_wakeup((uint64_t)(ms * 1000.0))");
		expect(esp32).toMatch(/xs_lampnode_max_sleep[^}]*xsmcSetInteger\(xsResult, 0\)/);
	});
});
