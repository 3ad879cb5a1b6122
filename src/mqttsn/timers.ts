/**
 * MQTT-SN 1.2's timer and counter defaults (section 7.2), in ms. A leaf module: the config
 * table takes its defaults from here, so an image without MQTT-SN carries only these
 * numbers, not the session.
 */
export const T_RETRY = 10_000; // 10-15 s
export const N_RETRY = 5; // 3-5
export const T_SEARCHGW = 5_000;
export const T_GWINFO = 5_000;
export const T_WAIT = 300_000; // "greater than 5 minutes"
export const N_ADV = 2; // 2-3
