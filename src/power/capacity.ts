/**
 * How many retained bytes each chip keeps, in one place: the native code of each board
 * defines the same number (a static test compares them), and the portable tests run the
 * sleepy suites at the smallest, so a record that outgrows it fails CI, not a device.
 *
 * ESP8266: RTC user memory is 512 bytes (system_rtc_mem_* blocks 64 to 191, 4 bytes
 * each, at 0x60001200). Moddable's rtctime (build/devices/esp/lib/rtc) keeps its clock
 * in words 0 to 9 of that area (RTC_TIME_BASE 0, RTC_TIME_MAGIC_POS to RTC_LASTTODUS_POS)
 * and rewrites them whenever the clock is read or set; nothing else in a Moddable
 * ESP8266 image uses it (Arduino's eboot command area is not linked in). Words 10 to 127
 * are free: 472 bytes, two slots of 236.
 *
 * A `const enum`: the firmware compiles each use to its number, so the image carries no
 * module of constants that only tests and the testkit read.
 */
export const enum Esp8266 {
	RTC_USER_BYTES = 512,
	/** Words 0-9 (40 bytes) belong to rtctime. */
	RTCTIME_BYTES = 40,
	RETAINED_CAPACITY = RTC_USER_BYTES - RTCTIME_BYTES,

	/**
	 * The longest deep sleep the ESP8266 is asked for in one go. system_deep_sleep (NONOS SDK
	 * 1.5.3 in esp8266-2.3.0, the one Moddable builds with) takes a uint32 count of
	 * microseconds: 4,294,967,295 us, 71.58 min, and 86,400 s would wrap to about 500 s. Legs
	 * of one hour stay well under that (the RTC's calibration varies with temperature); a
	 * longer sleep is chained (sleepLeg, retained-store.ts).
	 */
	MAX_SLEEP_MS = 3_600_000,
}
