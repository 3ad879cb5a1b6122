/**
 * Short topic names (MQTT-SN 1.2 section 3.2.2): a two-character name travels as its own
 * two bytes, so it needs no REGISTER. A leaf module: the config rules ask it too, in
 * images that carry no MQTT-SN session.
 */

/** A topic name that can travel as a short topic: exactly two single-byte characters, no wildcard. */
export function isShortTopicName(name: string): boolean {
	if (name.length !== 2) return false;
	for (let i = 0; i < 2; i++) {
		const c = name.charCodeAt(i);
		if (c === 0 || c > 0x7f || c === 0x2b || c === 0x23) return false;
	}
	return true;
}
