/**
 * Retained memory for an always-on device's persistent session: the same two-slot store
 * a sleepy wake keeps its state in (power/retained-store.ts), laid out as a sleepy wake
 * lays it out (the join hint's bytes kept aside), so the chip's RTC memory holds one
 * format whatever the mode. On the ESP8266 and ESP32 it survives a reset or a watchdog
 * restart, not a power cut: then there is no state, and the uplink starts afresh.
 *
 * Opened only by an uplink that keeps a session (adapters/mqtt.ts with cleanSession
 * false): reading it costs nothing otherwise.
 */
import type { Board, Power } from "../common/board";
import { reserveJoinHint } from "../power/join-hint";
import { RetainedStore } from "../power/retained-store";
import type { FirmwareConfig } from "./config";
import type { RetainedSession } from "./uplink";

export function openRetainedSession(board: Board, power: Power, config: FirmwareConfig, lampOn: () => boolean): RetainedSession {
	const store = new RetainedStore(board, board.network ? reserveJoinHint(power).power : power, config.protocol, 0);
	return {
		state: store.session,
		lampOn: store.state.lampOn,
		bootCount: store.state.bootCount,
		room: store.sessionRoom,
		save: (session) => store.save({ lastReadAt: void 0, reconnectAttempt: 0, lampOn: lampOn(), session }),
	};
}
