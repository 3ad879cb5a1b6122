/**
 * The MQTT-SN defaults of a sleepy device, chosen for gateways as they are deployed, not
 * only as the specification hopes. The Eclipse Paho MQTT-SN gateway, the most common
 * one, finds a client by its network address (a datagram from an address it does not
 * know is dropped unless it is a CONNECT), answers a waking PINGREQ only through its
 * broker connection, forwards the CONNECT's duration to the broker as the MQTT
 * keep-alive and never pings the broker for a sleeping client. Hence:
 * - a fixed local port, so the address the gateway knows survives deep sleep;
 * - a Tretry short enough that a lost PINGREQ, and then a CONNECT, are sent again
 *   within one wake's network deadline;
 * - a keep-alive longer than a whole sleep, or the broker ends the connection and
 *   publishes the will ("offline") while the device merely sleeps.
 */
import { T_RETRY } from "../mqttsn/timers";

/**
 * The local UDP port a sleepy device binds unless `mqttsnPort` says otherwise. Not 1883,
 * where gateways listen (a laptop may run one beside the host firmware); below every
 * ephemeral range (Linux from 32768, lwIP from 49152), so no other socket is given it.
 */
export const SLEEPY_MQTTSN_PORT = 1885;

/** Transmissions of a waking PINGREQ (one retransmission) before the device CONNECTs instead. */
export const WAKE_PINGREQ_RETRIES = 1;

/**
 * Tretry in a wake: a fifth of the network deadline (10 s: 2 s), so PINGREQ, its
 * retransmission and a CONNECT with retransmissions of its own all fit before it.
 */
export function sleepyTRetry(networkDeadlineMs: number): number {
	return Math.max(100, Math.min(T_RETRY, Math.floor(networkDeadlineMs / 5)));
}

/** The largest Tretry a sleepy device accepts: a third of the network deadline (PINGREQ, once more, then CONNECT). */
export function maxSleepyTRetry(networkDeadlineMs: number): number {
	return Math.floor(networkDeadlineMs / 3);
}

/**
 * The sleep duration told to the gateway: it counts the client lost (and publishes its
 * will) once that passes without a PINGREQ, so it must cover the sleep plus booting and
 * joining the network, with room for a slow RTC clock. The field has 16 bits (6.14).
 */
export function sleepDuration(seconds: number): number {
	return Math.min(0xffff, Math.ceil(seconds * 1.25) + 30);
}

/**
 * The CONNECT's duration, seconds, for a sleepy device: the broker hears from the device
 * at most once a cycle (sleep plus the longest wake), so the keep-alive covers a cycle
 * with the same margins as the sleep duration (the broker allows 1.5 times it besides).
 */
export function sleepyKeepAlive(sleepSeconds: number, maxAwakeSeconds: number): number {
	return sleepDuration(sleepSeconds + maxAwakeSeconds);
}
