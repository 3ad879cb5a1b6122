/**
 * MQTT-SN 1.2's timer and counter defaults (section 7.2), in ms. A leaf module: the config
 * table takes its defaults from here, so an image without MQTT-SN carries only these
 * numbers, not the session. The session reads them as `Default` members, which the
 * firmware's compiler writes as numbers (a `const enum`, see packet.ts): no import.
 */
export const enum Default {
	T_RETRY = 10_000, // 10-15 s
	N_RETRY = 5, // 3-5
	T_SEARCHGW = 5_000,
	T_GWINFO = 5_000,
	T_WAIT = 300_000, // "greater than 5 minutes"
	N_ADV = 2, // 2-3
}
export const T_RETRY = Default.T_RETRY;
export const N_RETRY = Default.N_RETRY;
export const T_WAIT = Default.T_WAIT;
