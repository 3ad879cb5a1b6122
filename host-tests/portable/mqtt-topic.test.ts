/** Topic names and filters: the examples of MQTT 3.1.1 section 4.7. */
import { describe, it } from "./test-api";
import { expectProtocolError } from "./errors";
import { validateTopicFilter, validateTopicName } from "../../src/mqtt/topic";

describe("MQTT topics: validation (4.7.1, 4.7.3)", () => {
	it("accepts topic names, including levels that are empty or start with $", () => {
		for (const name of ["home/office/lamp", "/", "a//b", "$SYS/broker/uptime", "sport/tennis/player1/", "\u00e9t\u00e9", "a\u{1F600}"]) validateTopicName(name);
	});
	it("refuses names with wildcards, empty names, U+0000 and names over 65535 bytes", () => {
		for (const name of ["a/+", "#", "a/#", "", "a\u0000b", "x".repeat(65_536), "\u00e9".repeat(32_768), "a\ud800"])
			expectProtocolError(() => validateTopicName(name), "INVALID_TOPIC");
		validateTopicName("x".repeat(65_535));
	});
	it("accepts the filters of 4.7.1.2 and 4.7.1.3", () => {
		for (const filter of ["sport/tennis/player1/#", "sport/#", "#", "+", "+/tennis/#", "sport/+/player1", "/+", "+/+", "sport/tennis/+"]) validateTopicFilter(filter);
	});
	it("refuses the invalid filters of 4.7.1.2 and 4.7.1.3", () => {
		for (const filter of ["sport/tennis#", "sport/tennis/#/ranking", "sport+", "a/b+/c", "#/a", "", "a\u0000"])
			expectProtocolError(() => validateTopicFilter(filter), "INVALID_TOPIC");
	});
	it("places wildcards by level next to multi-byte characters (the check reads UTF-8 bytes)", () => {
		for (const filter of ["\u00e9t\u00e9/+", "+/\u20ac/#", "\u{1F600}/+/\u{1F600}"]) validateTopicFilter(filter);
		for (const filter of ["\u00e9+", "+\u20ac", "\u{1F600}#", "#\u00e9"]) expectProtocolError(() => validateTopicFilter(filter), "INVALID_TOPIC");
		expectProtocolError(() => validateTopicName("\u00e9/+"), "INVALID_TOPIC");
	});
});
